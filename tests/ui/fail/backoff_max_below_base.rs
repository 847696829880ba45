// A backoff whose maximum is shorter than its base.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, backoff: exponential 10s to 1s;
    }
}

fn main() {}
