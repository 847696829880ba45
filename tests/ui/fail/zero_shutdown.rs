// A zero shutdown timeout is a brutal kill in disguise.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, shutdown: 0s;
    }
}

fn main() {}
