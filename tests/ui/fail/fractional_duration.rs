// Durations are whole numbers of a unit.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, shutdown: 1.5s;
    }
}

fn main() {}
