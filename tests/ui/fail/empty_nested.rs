// A nested supervisor needs at least one child too.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle;
        supervisor web: Web {}
    }
}

fn main() {}
