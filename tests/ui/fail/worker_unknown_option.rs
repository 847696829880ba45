// A misspelt #[worker] option gets a suggestion.
use supervisor::{worker, Context, WorkerResult};

#[worker(shutdwn = 5s)]
async fn acceptor(ctx: &Context) -> WorkerResult {
    ctx.shutdown_requested().await;
    Ok(())
}

fn main() {}
