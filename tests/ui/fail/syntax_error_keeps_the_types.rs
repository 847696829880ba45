// A syntax error inside the tree (a declared value missing a `,` between its arguments) is
// reported, and the tree's types are still generated (the broken child keeps its variant), so
// the code that uses `App` and `AppChild` elsewhere gets no errors of its own.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle::connect("postgres://localhost" 5), restart: transient;
        worker cache: Idle;
    }
}

#[tokio::main]
async fn main() {
    let tree = App::builder().cache(Idle).start().await.unwrap();
    tree.terminate_child(AppChild::Db).await.unwrap();
    tree.restart_child(AppChild::Cache).await.unwrap();
}
