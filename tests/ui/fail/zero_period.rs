// The intensity period must be longer than zero.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        intensity: 3 within 0s,
        worker db: Idle = Idle;
    }
}

fn main() {}
