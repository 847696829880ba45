// Two supervisors of one tree need distinct type names.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        supervisor web: Pool {
            worker a: Idle = Idle;
        }
        supervisor api: Pool {
            worker b: Idle = Idle;
        }
    }
}

fn main() {}
