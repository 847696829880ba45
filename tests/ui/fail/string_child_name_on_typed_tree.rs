// A declared tree's handle names children by its generated enum, not by strings: the error says
// so, with a variant of this tree to write instead.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle;
        supervisor web: Web {
            worker conn: Idle = Idle;
        }
    }
}

#[tokio::main]
async fn main() {
    let tree = App::builder().start().await.unwrap();
    tree.terminate_child("db".into()).await.unwrap();
}
