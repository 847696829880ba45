// Two trees of one module both declare a nested supervisor type `Web`: one error, pointing at
// both declarations (not one for every generated item of the second `Web`).
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        supervisor web: Web {
            worker a: Idle = Idle;
        }
    }
}

supervision_tree! {
    supervisor Api {
        supervisor web: Web {
            worker b: Idle = Idle;
        }
    }
}

fn main() {
    let _ = (App::builder(), Api::builder());
}
