// depends_on names something inside a sibling rather than the sibling.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: rest_for_one,
        worker database: Idle = Idle;
        worker web: Idle = Idle, depends_on: [database.pool];
    }
}

fn main() {}
