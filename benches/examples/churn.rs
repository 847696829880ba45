//! Temporary children ending one after another, each removed from its supervisor, with the name
//! index built (as after any handle call that names a child): the time from opening their gate
//! until the supervisor has handled every exit. `cargo run --release -p supervisor-benches
//! --example churn [N]` (10,000 by default).

use std::sync::Arc;
use std::time::Instant;

use supervisor::{ChildSpec, Context, Restart, SupervisorSpec, Worker, WorkerResult};
use supervisor_benches::Countdown;
use tokio::sync::Notify;

/// Waits for the gate, then ends (normally, so a temporary child is removed).
#[derive(Clone)]
struct Gated(Arc<Notify>, Countdown);

impl Worker for Gated {
    async fn run(&mut self, _ctx: &Context) -> WorkerResult {
        self.0.notified().await;
        self.1.tick();
        Ok(())
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |n| n.parse().expect("a count"));
    let rt = supervisor_benches::runtime(false);
    rt.block_on(async {
        let gate = Arc::new(Notify::new());
        let ended = Countdown::new(n as u64);
        let spec = SupervisorSpec::new("churn").children((0..n).map(|i| {
            ChildSpec::from_value(format!("c{i}"), Gated(gate.clone(), ended.clone()))
                .restart(Restart::Temporary)
        }));
        let tree = spec.start().await.expect("start");
        tree.child("c0".into()).await.expect("c0");
        let began = Instant::now();
        gate.notify_waiters();
        ended.wait().await;
        // The mailbox is handled in order: this call is answered after every exit.
        let left = tree.count_children().await.expect("count").specs;
        let took = began.elapsed();
        assert_eq!(left, 0);
        println!("{n} temporary children ended and removed: {took:?}");
        tree.shutdown().await.expect("shutdown");
    });
}
