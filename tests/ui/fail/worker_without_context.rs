// A worker fn takes its context first.
use supervisor::{worker, WorkerResult};

#[worker]
async fn acceptor(port: u16) -> WorkerResult {
    let _ = port;
    Ok(())
}

fn main() {}
