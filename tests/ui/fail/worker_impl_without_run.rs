// A worker impl block needs a run method.
use supervisor::{worker, Context, WorkerResult};

struct Db;

#[worker]
impl Db {
    async fn init(&mut self, ctx: &Context) -> WorkerResult {
        let _ = ctx;
        Ok(())
    }
}

fn main() {}
