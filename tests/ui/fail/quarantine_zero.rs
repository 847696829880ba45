// A quarantine after 0 restarts.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, quarantine: 0 within 1m;
    }
}

fn main() {}
