// An unknown duration unit gets a suggestion.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, shutdown: 5sec;
    }
}

fn main() {}
