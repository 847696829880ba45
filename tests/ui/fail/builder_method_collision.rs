// Two open children whose builder methods would have the same name.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        strategy: one_for_all,
        worker web_http: Idle;
        supervisor web: Web {
            worker http: Idle;
        }
    }
}

fn main() {}
