// A duration needs a unit.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, shutdown: 5;
    }
}

fn main() {}
