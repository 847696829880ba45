// Only doc comments may decorate a child.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        #[allow(unused)]
        worker db: Idle = Idle;
    }
}

fn main() {}
