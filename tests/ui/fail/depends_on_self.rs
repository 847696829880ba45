// A child cannot depend on itself.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: rest_for_one,
        worker web: Idle = Idle, depends_on: [web];
    }
}

fn main() {}
