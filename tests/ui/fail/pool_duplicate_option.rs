// A pool option given twice.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle, max_children: 10, restart: temporary, max_children: 20;
    }
}

fn main() {}
