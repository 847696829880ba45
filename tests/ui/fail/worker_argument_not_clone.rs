// Every start gets clones of the arguments: they must be Clone. The message says why, and what
// to use instead (derive Clone, an Arc, or creating the value inside the worker fn).
use supervisor::{worker, Context, WorkerResult};

struct Socket;

#[worker]
async fn acceptor(ctx: &Context, socket: Socket) -> WorkerResult {
    let _ = socket;
    ctx.shutdown_requested().await;
    Ok(())
}

fn main() {}
