// A pool's instance type does not implement Worker: the error is on the type.
use supervisor::supervision_tree;

struct NotAWorker;

supervision_tree! {
    supervisor App {
        pool conns: NotAWorker, max_children: 10;
    }
}

fn main() {}
