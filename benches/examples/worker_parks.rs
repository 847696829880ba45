//! How often the multi-thread runtime's workers go to sleep during a start and a shutdown:
//! `cargo run --release -p supervisor-benches --example worker_parks [N]` starts and stops a
//! flat tree of N idle children (10,000 by default) ten times on each runtime, and prints for
//! every round the time of each phase, ours and the raw-tokio baseline's, with how often the
//! runtime's workers parked meanwhile (a park is a worker found no task and slept; waking it
//! again is a system call on the waking side).

use std::time::{Duration, Instant};

use supervisor_benches::{Countdown, flat_tree, runtime, spawn_idle_tasks};
use tokio_util::sync::CancellationToken;

/// The time of one phase and the parks during it.
struct Phase(Duration, u64);

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>9.2?} ({:>4} parks)", self.0, self.1)
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |n| n.parse().expect("a count"));
    for (multi, label) in [(true, "multi-thread, 2 workers"), (false, "current_thread")] {
        println!("{label}, {n} idle children: start | shutdown");
        runtime(multi).block_on(async move {
            tokio::spawn(async move {
                for _ in 0..10 {
                    let (start, stop) = ours(n).await;
                    println!("  ours      {start} | {stop}");
                    let (start, stop) = baseline(n).await;
                    println!("  raw tokio {start} | {stop}");
                }
            })
            .await
            .expect("the rounds' task");
        });
    }
}

fn parks() -> u64 {
    let metrics = tokio::runtime::Handle::current().metrics();
    (0..metrics.num_workers())
        .map(|w| metrics.worker_park_count(w))
        .sum()
}

/// The phase that began at `began`, when the workers had parked `parks_before` times.
fn since(began: Instant, parks_before: u64) -> Phase {
    Phase(began.elapsed(), parks() - parks_before)
}

async fn ours(n: usize) -> (Phase, Phase) {
    let countdown = Countdown::new(n as u64);
    let spec = flat_tree(n, &countdown, false);
    let (began, before) = (Instant::now(), parks());
    let tree = spec.start().await.expect("start");
    countdown.wait().await;
    let start = since(began, before);
    let (began, before) = (Instant::now(), parks());
    tree.shutdown().await.expect("shutdown");
    (start, since(began, before))
}

async fn baseline(n: usize) -> (Phase, Phase) {
    let countdown = Countdown::new(n as u64);
    let token = CancellationToken::new();
    let (began, before) = (Instant::now(), parks());
    let tasks = spawn_idle_tasks(n, &countdown, &token);
    countdown.wait().await;
    let start = since(began, before);
    let (began, before) = (Instant::now(), parks());
    token.cancel();
    for task in tasks {
        task.await.expect("join");
    }
    (start, since(began, before))
}
