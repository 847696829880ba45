// depends_on names a sibling that does not exist.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: rest_for_one,
        worker database: Idle = Idle;
        worker web: Idle = Idle, depends_on: [databse];
    }
}

fn main() {}
