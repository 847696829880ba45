// A supervisor must not be killed brutally.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        supervisor web: Web {
            shutdown: brutal,
            worker acceptor: Idle = Idle;
        }
    }
}

fn main() {}
