// The same for a hand-written impl: `run`'s future must be `Send`.
use std::rc::Rc;

use supervisor::{Context, Worker, WorkerResult};

struct Counter;

impl Worker for Counter {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let count = Rc::new(0);
        ctx.shutdown_requested().await;
        let _ = count;
        Ok(())
    }
}

fn main() {}
