// A pool has no value: its instances are started at run time, each from its own value.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle = Idle, max_children: 10;
    }
}

fn main() {}
