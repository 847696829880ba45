// auto_shutdown on a pool line: its instances are never significant.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle, auto_shutdown: any_significant;
    }
}

fn main() {}
