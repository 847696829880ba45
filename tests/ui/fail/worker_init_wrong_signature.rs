// init takes &mut self, like run.
use supervisor::{worker, Context, WorkerResult};

struct Db;

#[worker]
impl Db {
    async fn init(&self, ctx: &Context) -> WorkerResult {
        let _ = ctx;
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

fn main() {}
