// Intensity is written `MAX within PERIOD`.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        intensity: 5 per 10s,
        worker db: Idle = Idle;
    }
}

fn main() {}
