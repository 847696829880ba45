// A pool's heartbeat (its instances') of zero could never be met.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        pool conns: Idle, heartbeat: 0s, start_timeout: 5s;
    }
}

fn main() {}
