// A supervisor needs at least one child.
use supervisor::supervision_tree;

supervision_tree! {
    supervisor App {
        strategy: one_for_all,
    }
}

fn main() {}
