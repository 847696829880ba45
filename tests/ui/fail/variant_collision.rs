// Two names that differ only by underscores become the same enum variant.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker http2: Idle = Idle;
        worker http_2: Idle = Idle;
    }
}

fn main() {}
