// depends_on names the worker type of a pool's instances instead of a sibling.
use supervisor::supervision_tree;
use supervisor_tests::Idle;
use supervisor_tests::Idle as Conn;

supervision_tree! {
    supervisor App {
        strategy: rest_for_one,
        pool conns: Conn, max_children: 100;
        worker acceptor: Idle = Idle, depends_on: [Conn];
    }
}

fn main() {}
