// A misspelt supervisor setting gets a suggestion.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        stratgy: one_for_all,
        worker db: Idle = Idle;
    }
}

fn main() {}
