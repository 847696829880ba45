// A misspelt strategy gets a suggestion.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: one_for_al,
        worker db: Idle = Idle;
    }
}

fn main() {}
