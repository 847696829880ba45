// A backoff that starts from zero.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, backoff: exponential 0ms to 1s;
    }
}

fn main() {}
