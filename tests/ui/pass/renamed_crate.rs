// The runtime reached under another name: the tree macro finds it through `$crate`, and
// `#[worker]` through its `crate` option. (The macro crate's unit tests check that the
// expansion then never names `::supervisor`.)
#![deny(warnings)]

extern crate supervisor as renamed;

use renamed::{Context, WorkerResult};

#[renamed::worker(crate = renamed)]
async fn job(ctx: &Context) -> WorkerResult {
    ctx.shutdown_requested().await;
    Ok(())
}

renamed::supervision_tree! {
    supervisor Renamed {
        worker job: Job = Job::new();
    }
}

fn main() {
    let _ = Renamed::builder().build();
}
