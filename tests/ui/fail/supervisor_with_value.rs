// A supervisor's children go in braces; it has no value.
use supervisor::supervision_tree;

supervision_tree! {
    supervisor App {
        supervisor web: Web = Web::new();
    }
}

fn main() {}
