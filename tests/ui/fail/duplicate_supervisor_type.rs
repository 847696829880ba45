// Two supervisors of one tree need distinct type names.
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
        supervisor web: Pool {
            worker a: Idle = Idle;
        }
        supervisor api: Pool {
            worker b: Idle = Idle;
        }
    }
}

fn main() {}
