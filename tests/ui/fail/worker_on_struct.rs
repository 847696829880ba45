// #[worker] goes on an async fn or an impl block.
use supervisor::worker;

#[worker]
struct Acceptor;

fn main() {}
