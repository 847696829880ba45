// A pool has no strategy: it is always one_for_one.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle, strategy: one_for_all;
    }
}

fn main() {}
