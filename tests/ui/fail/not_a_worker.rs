// The declared type does not implement Worker: the error is on the type.
use supervisor::supervision_tree;

struct NotAWorker;

supervision_tree! {
    supervisor App {
        worker db: NotAWorker;
    }
}

fn main() {}
