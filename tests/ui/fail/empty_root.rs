// A supervisor needs at least one child.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: one_for_all,
    }
}

fn main() {}
