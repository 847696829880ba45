// A pool has no body: all its instances are of its one worker type.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle {
            worker conn: Idle = Idle;
        }
    }
}

fn main() {}
