// Starting a tree whose open child was never supplied is one error, at the call, naming the
// child by its path and the builder method that supplies it.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle;
        supervisor web: Web {
            worker metrics: Idle;
        }
    }
}

#[tokio::main]
async fn main() {
    let _tree = App::builder().start().await;
}
