// `itself` is reserved: Itself names a nested supervisor in its enum.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        supervisor web: Web {
            worker itself: Idle = Idle;
        }
    }
}

fn main() {}
