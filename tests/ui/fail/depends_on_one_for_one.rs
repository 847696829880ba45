// Under one_for_one a dependency's restart does not restart its dependents.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle;
        worker web: Idle = Idle, depends_on: [db];
    }
}

fn main() {}
