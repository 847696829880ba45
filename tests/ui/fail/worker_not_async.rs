// #[worker] needs an async fn.
use supervisor::{worker, Context, WorkerResult};

#[worker]
fn acceptor(ctx: &Context) -> WorkerResult {
    let _ = ctx;
    Ok(())
}

fn main() {}
