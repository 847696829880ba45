// Building a tree whose open child was never supplied names the child.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle;
        supervisor web: Web {
            worker acceptor: Idle;
        }
    }
}

fn main() {
    let _spec = App::builder().build();
}
