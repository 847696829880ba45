// An instance started from a value of the wrong type: the error is on the argument.
use supervisor::{supervision_tree, worker, Context, WorkerResult};

#[worker]
async fn conn(ctx: &Context, port: u16) -> WorkerResult {
    let _ = port;
    ctx.shutdown_requested().await;
    Ok(())
}

supervision_tree! {
    supervisor App {
        pool conns: Conn;
    }
}

async fn accept(tree: &supervisor::Tree<AppChild>) -> Result<(), Box<dyn std::error::Error>> {
    tree.pool(App::CONNS).await?.start(8080).await?;
    Ok(())
}

fn main() {
    let _ = accept;
}
