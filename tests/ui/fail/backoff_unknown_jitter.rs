// A jitter that is not none, full or decorrelated.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, backoff: fixed 1s jitter fulll;
    }
}

fn main() {}
