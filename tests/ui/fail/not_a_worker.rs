// The declared type does not implement Worker: the error is on the type.
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

struct NotAWorker;

supervision_tree! {
    supervisor App {
        worker db: NotAWorker;
    }
}

fn main() {}
