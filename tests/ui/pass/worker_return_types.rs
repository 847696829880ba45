// A worker fn may return any `Result<(), E>` whose error converts into `BoxError` (here
// `io::Result<()>`), or nothing at all; both run in a tree.
#![deny(warnings)]

use std::io;

use supervisor::{supervision_tree, worker, Context};

/// Fails with an `io::Error`.
#[worker(restart = transient)]
async fn reader(ctx: &Context, path: String) -> io::Result<()> {
    ctx.shutdown_requested().await;
    if path.is_empty() {
        return Err(io::Error::other("no path"));
    }
    Ok(())
}

/// Returns nothing: every end is a normal exit.
#[worker]
async fn ticker(ctx: &Context) {
    ctx.shutdown_requested().await;
}

/// Fails with a `String`.
#[worker]
async fn checker(ctx: &Context) -> Result<(), String> {
    ctx.shutdown_requested().await;
    Ok(())
}

supervision_tree! {
    supervisor App {
        worker reader: Reader = Reader::new(String::from("in.txt"));
        worker ticker: Ticker = Ticker::new();
        worker checker: Checker = Checker::new();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tree = App::builder().start().await?;
    assert_eq!(tree.count_children().await?.active, 3);
    tree.shutdown().await?;
    Ok(())
}
