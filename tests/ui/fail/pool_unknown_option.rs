// A misspelt pool option gets a suggestion.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle, max_childs: 10;
    }
}

fn main() {}
