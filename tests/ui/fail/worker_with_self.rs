// A worker fn has no self; the impl-block form is for stateful workers.
use supervisor::{worker, Context, WorkerResult};

struct Acceptor;

impl Acceptor {
    #[worker]
    async fn run(self, ctx: &Context) -> WorkerResult {
        let _ = ctx;
        Ok(())
    }
}

fn main() {}
