// A worker's argument has the wrong type: the error is on the argument.
use supervisor::{supervision_tree, worker, Context, WorkerResult};

#[worker]
async fn acceptor(ctx: &Context, port: u16) -> WorkerResult {
    let _ = port;
    ctx.shutdown_requested().await;
    Ok(())
}

supervision_tree! {
    supervisor App {
        worker acceptor: Acceptor = Acceptor::new("8080");
    }
}

fn main() {}
