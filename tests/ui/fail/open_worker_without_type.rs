// A worker left open needs its type, so the builder knows what to ask for.
use supervisor::supervision_tree;

supervision_tree! {
    supervisor App {
        worker db;
    }
}

fn main() {}
