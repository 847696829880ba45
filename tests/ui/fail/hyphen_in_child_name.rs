// A child's name is one snake_case identifier: `http-api` is reported once, with the name to
// write, and the tree is generated with that name.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker http-api: Idle = Idle;
    }
}

fn main() {
    let _ = AppChild::HttpApi;
}
