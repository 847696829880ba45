// `itself` is reserved: Itself names a nested supervisor in its enum.
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
            worker itself: Idle = Idle;
        }
    }
}

fn main() {}
