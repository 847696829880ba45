// The maximum number of restarts must fit in a u32.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        intensity: 5000000000 within 1s,
        worker db: Idle = Idle;
    }
}

fn main() {}
