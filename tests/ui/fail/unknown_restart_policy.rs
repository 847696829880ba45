// A misspelt restart policy gets a suggestion.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, restart: permament;
    }
}

fn main() {}
