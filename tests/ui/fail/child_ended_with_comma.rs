// A child ends with `;`; a `,` there would start another option, so the error is at the `,`
// and says to end the child with `;`. The next child is still read.
use supervisor::supervision_tree;
use supervisor_tests::Idle;

supervision_tree! {
    supervisor App {
        worker db: Idle = Idle,
        worker cache: Idle = Idle;
    }
}

fn main() {
    let _ = (AppChild::Db, AppChild::Cache);
}
