// Two children of one supervisor share a name.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle;
        worker db: Idle = Idle;
    }
}

fn main() {}
