// Two open children whose builder methods would have the same name.
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
        strategy: one_for_all,
        worker web_http: Idle;
        supervisor web: Web {
            worker http: Idle;
        }
    }
}

fn main() {}
