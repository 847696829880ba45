// A pool runs as at least one partition.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle, partitions: 0;
    }
}

fn main() {}
