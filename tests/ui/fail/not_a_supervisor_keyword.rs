// A tree starts with `supervisor`.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisr App {
        worker db: Idle = Idle;
    }
}

fn main() {}
