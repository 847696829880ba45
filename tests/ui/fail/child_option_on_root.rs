// The root supervisor is nobody's child: it has no restart policy.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        restart: transient,
        worker db: Idle = Idle;
    }
}

fn main() {}
