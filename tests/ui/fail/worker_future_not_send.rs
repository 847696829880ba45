// A worker's future must be `Send`: it runs in a task of its own, which tokio may move to another
// thread. Holding an `Rc` across an await makes it not `Send`.
use std::rc::Rc;

use supervisor::{worker, Context, WorkerResult};

#[worker]
async fn counter(ctx: &Context) -> WorkerResult {
    let count = Rc::new(0);
    ctx.shutdown_requested().await;
    let _ = count;
    Ok(())
}

fn main() {}
