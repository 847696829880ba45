// The module form works inside a function too, with every value declared.
#![deny(warnings)]

use supervisor::{supervision_tree, worker, Context, WorkerResult};

#[worker]
async fn ticker(ctx: &Context) -> WorkerResult {
    ctx.shutdown_requested().await;
    Ok(())
}

fn main() {
    supervision_tree! {
        supervisor Clock {
            worker tick: Ticker = Ticker::new();
        }
    }
    let spec = Clock::builder().build();
    assert_eq!(spec.name(), "clock");
}
