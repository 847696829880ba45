// Child names are snake_case.
use supervisor::supervision_tree;

supervision_tree! {
    supervisor App {
        worker WebServer: supervisor_tests::Idle = supervisor_tests::Idle;
    }
}

fn main() {}
