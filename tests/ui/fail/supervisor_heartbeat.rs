// A heartbeat on a nested supervisor, which never beats.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        supervisor web: Web {
            heartbeat: 5s,
            worker conn: Idle = Idle;
        }
    }
}

fn main() {}
