// A misspelt child option gets a suggestion.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, restrat: transient;
    }
}

fn main() {}
