//! A one_for_all restart on each runtime: `cargo run --release -p supervisor-benches --example
//! group_runtimes [N]` restarts a group of N idle children (1,000 by default) 31 times on the
//! multi-thread runtime (2 workers) and on current_thread, alternating with the raw-tokio
//! baseline, and prints the medians and their ratio per runtime. `measure` reports the
//! multi-thread row only; this shows what the runtime's scheduling adds to it.

use std::time::Duration;

use supervisor::Strategy;
use supervisor_benches::{group_restart_baseline, group_restart_ours, median, runtime};

const ROUNDS: usize = 31;

fn main() {
    supervisor_benches::with_fixed_malloc_settings();
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1_000, |n| n.parse().expect("a count"));
    for (multi, label) in [(true, "multi-thread, 2 workers"), (false, "current_thread")] {
        runtime(multi).block_on(async move {
            tokio::spawn(async move {
                let (mut ours, mut baseline) = (Vec::new(), Vec::new());
                for _ in 0..ROUNDS {
                    ours.push(
                        group_restart_ours(n, Strategy::OneForAll)
                            .await
                            .as_secs_f64(),
                    );
                    baseline.push(group_restart_baseline(n).await.as_secs_f64());
                }
                let (o, b) = (median(ours), median(baseline));
                println!(
                    "{label}, one_for_all of {n}: ours {:.2?}, raw tokio {:.2?}, ratio {:.2}",
                    Duration::from_secs_f64(o),
                    Duration::from_secs_f64(b),
                    o / b
                );
            })
            .await
            .expect("the rounds' task");
        });
    }
}
