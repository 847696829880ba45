// A duration that does not fit in a Duration.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, shutdown: 99999999999999999999s;
    }
}

fn main() {}
