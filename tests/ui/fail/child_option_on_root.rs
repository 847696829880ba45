// The root supervisor is nobody's child: it has no restart policy.
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
        restart: transient,
        worker db: Idle = Idle;
    }
}

fn main() {}
