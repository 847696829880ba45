// A significant child that is permanent, explicitly or by its worker's default (which the
// macro cannot read).
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        auto_shutdown: any_significant,
        worker db: Idle = Idle, restart: permanent, significant;
        worker job: Idle = Idle, significant;
    }
}

fn main() {}
