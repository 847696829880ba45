// A worker fn returns `WorkerResult`, any `Result<(), E>` whose error converts into `BoxError`,
// or nothing: an `Option` is none of these, and the error says so at the return type.
use supervisor::{worker, Context};

#[worker]
async fn poller(ctx: &Context) -> Option<()> {
    ctx.shutdown_requested().await;
    Some(())
}

fn main() {}
