// The new options given twice, on a child and on a supervisor.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        auto_shutdown: any_significant,
        auto_shutdown: all_significant,
        worker job: Idle = Idle, restart: transient, significant, backoff: fixed 1s, significant, backoff: none;
    }
}

fn main() {}
