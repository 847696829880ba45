// `itself` is reserved: Itself names a nested supervisor in its enum.
use supervisor::supervision_tree;

supervision_tree! {
    supervisor App {
        supervisor web: Web {
            worker itself: supervisor_tests::Idle = supervisor_tests::Idle;
        }
    }
}

fn main() {}
