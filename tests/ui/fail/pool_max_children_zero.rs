// A pool limited to zero instances could never start one.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle, max_children: 0;
    }
}

fn main() {}
