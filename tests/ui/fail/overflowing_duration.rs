// A duration that does not fit in a Duration.
use supervisor::{supervision_tree, Context, Worker, WorkerResult};

#[derive(Clone)]
struct Idle;

#[supervisor::async_trait]
impl Worker for Idle {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, shutdown: 99999999999999999999s;
    }
}

fn main() {}
