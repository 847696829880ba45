// A heartbeat or a start timeout of zero.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, heartbeat: 0s, start_timeout: 0ms;
    }
}

fn main() {}
