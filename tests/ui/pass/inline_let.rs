// The inline form in `main`: declared values use local variables (parsed configuration), and
// open children are supplied through the builder; warnings are errors.
#![deny(warnings)]

use supervisor::{supervision_tree, worker, Context, WorkerResult};

#[worker]
async fn server(ctx: &Context, port: u16) -> WorkerResult {
    let _ = port;
    ctx.shutdown_requested().await;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config_port: u16 = "8080".parse()?;
    supervision_tree! {
        let app = supervisor App {
            strategy: one_for_one,
            worker http: Server = Server::new(config_port);
            worker admin: Server;
        };
    }
    let tree = app.admin(Server::new(config_port + 1)).start().await?;
    tree.restart_child(AppChild::Http).await.unwrap_err();
    tree.shutdown().await?;
    Ok(())
}
