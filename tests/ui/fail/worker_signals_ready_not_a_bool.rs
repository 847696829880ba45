// `signals_ready` takes `true` or `false`: a worker whose run calls `ctx.ready()` says so with
// `#[worker(signals_ready = true)]`.
use supervisor::{worker, Context, WorkerResult};

#[worker(signals_ready = yes)]
async fn db(ctx: &Context) -> WorkerResult {
    ctx.ready();
    Ok(())
}

fn main() {}
