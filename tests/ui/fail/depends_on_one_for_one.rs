// Under one_for_one a dependency's restart does not restart its dependents.
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
        worker db: Idle = Idle;
        worker web: Idle = Idle, depends_on: [db];
    }
}

fn main() {}
