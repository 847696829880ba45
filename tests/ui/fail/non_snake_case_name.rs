// Child names are snake_case.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker WebServer: Idle = Idle;
    }
}

fn main() {}
