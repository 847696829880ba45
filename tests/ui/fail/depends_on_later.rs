// depends_on names a sibling declared after the child.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: rest_for_one,
        worker web: Idle = Idle, depends_on: [db];
        worker db: Idle = Idle;
    }
}

fn main() {}
