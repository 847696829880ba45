// A setting given twice.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: one_for_all,
        strategy: rest_for_one,
        worker db: Idle = Idle;
    }
}

fn main() {}
