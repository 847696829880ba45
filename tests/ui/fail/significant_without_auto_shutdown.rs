// A significant child under a supervisor that never shuts down on its end.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker job: Idle = Idle, restart: transient, significant;
    }
}

fn main() {}
