// depends_on names a sibling declared after the child.
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
        strategy: rest_for_one,
        worker web: Idle = Idle, depends_on: [db];
        worker db: Idle = Idle;
    }
}

fn main() {}
