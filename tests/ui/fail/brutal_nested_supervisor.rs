// A supervisor must not be killed brutally.
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
        supervisor web: Web {
            shutdown: brutal,
            worker acceptor: Idle = Idle;
        }
    }
}

fn main() {}
