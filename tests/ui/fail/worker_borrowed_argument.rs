// A worker fn's arguments are kept in the worker and cloned for every start and restart, so
// they cannot borrow: `name: &str` must be an owned `String` (or an `Arc<str>`).
use supervisor::{worker, Context, WorkerResult};

#[worker]
async fn greeter(ctx: &Context, name: &str) -> WorkerResult {
    let _ = name;
    ctx.shutdown_requested().await;
    Ok(())
}

fn main() {
    let _ = Greeter::new("world");
}
