// depends_on names a pool's instances, which start at run time: only the pool can be named.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: rest_for_one,
        pool conns: Idle, max_children: 100;
        worker audit: Idle = Idle, depends_on: [conns[0]];
    }
}

fn main() {}
