// A tree starts with `supervisor`.
use supervisor::supervision_tree;

supervision_tree! {
    supervisr App {
        worker db: supervisor_tests::Idle = supervisor_tests::Idle;
    }
}

fn main() {}
