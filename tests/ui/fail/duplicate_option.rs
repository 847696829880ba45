// A child option given twice.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, restart: transient, restart: temporary;
    }
}

fn main() {}
