// Erlang's `brutal_kill` is spelt `brutal` here.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle, shutdown: brutal_kill;
    }
}

fn main() {}
