// A zero shutdown timeout is a brutal kill in disguise.
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
        worker db: Idle = Idle, shutdown: 0s;
    }
}

fn main() {}
