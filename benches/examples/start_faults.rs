//! The page faults of a start, sample after sample, as `measure` takes them:
//! `cargo run --release -p supervisor-benches --example start_faults [N] [ROUNDS] [SIDES]` starts
//! and stops, in turn, ROUNDS times (8 by default), each in a task of its own as `measure` runs
//! them, the SIDES named (comma-separated; `ours,baseline,ours,ordered` by default): `ours`, a
//! flat tree of N idle children (100,000 by default); `baseline`, the raw-tokio baseline's N
//! tasks (one token for all); `ordered`, the ordered baseline's N tasks (a token each). It prints
//! for every round the time of each start with the minor page faults the process took meanwhile
//! (`/proc/self/stat`, read outside the timed part). Multi-thread runtime (2 workers) unless
//! `CURRENT_THREAD` is set. `start_faults 100000 1 ours` is one start in a fresh process, as a
//! program that starts its tree once does.
//!
//! It keeps glibc's heap settings as it finds them: run it plain for glibc's defaults, and with
//! `GLIBC_TUNABLES` set to `supervisor_benches::MALLOC_SETTINGS` for the fixed settings
//! `measure` uses by default.

use std::time::{Duration, Instant};

use supervisor_benches::{Countdown, flat_tree, malloc_settings_in_use, runtime, spawn_idle_tasks};
use tokio_util::sync::CancellationToken;

/// The minor page faults of this process so far.
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    // The fields after the command's name, which is in parentheses and may hold spaces:
    // state is field 3, minflt field 10.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    rest.split_whitespace()
        .nth(7)
        .and_then(|f| f.parse().ok())
        .expect("minflt")
}

/// A start's time and its page faults.
struct Start(Duration, u64);

impl std::fmt::Display for Start {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>8.2?} ({:>5} faults)", self.0, self.1)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(100_000, |n| n.parse().expect("a count"));
    let rounds: usize = args.next().map_or(8, |n| n.parse().expect("a count"));
    let sides = args
        .next()
        .unwrap_or_else(|| "ours,baseline,ours,ordered".into());
    let sides: Vec<String> = sides.split(',').map(String::from).collect();
    let multi = std::env::var_os("CURRENT_THREAD").is_none();
    println!("malloc: {}", malloc_settings_in_use());
    let label = if multi {
        "multi-thread (2 workers)"
    } else {
        "current_thread"
    };
    println!("{n} idle children, {label}: start of {}", sides.join(" | "));
    runtime(multi).block_on(async move {
        for _ in 0..rounds {
            let mut line = Vec::new();
            for side in &sides {
                let start = match side.as_str() {
                    "ours" => tokio::spawn(ours(n)).await,
                    "baseline" => tokio::spawn(baseline(n)).await,
                    "ordered" => tokio::spawn(ordered_baseline(n)).await,
                    other => panic!("no side called {other}"),
                };
                line.push(start.expect("the sample's task").to_string());
            }
            println!("  {}", line.join(" | "));
        }
    });
}

/// [`supervisor_benches::start_stop_ours`], with the faults of the start.
async fn ours(n: usize) -> Start {
    let countdown = Countdown::new(n as u64);
    let spec = flat_tree(n, &countdown, false);
    let faults = minor_faults();
    let began = Instant::now();
    let tree = spec.start().await.expect("start");
    countdown.wait().await;
    let took = began.elapsed();
    let faults = minor_faults() - faults;
    tree.shutdown().await.expect("shutdown");
    Start(took, faults)
}

/// [`supervisor_benches::start_stop_baseline`], with the faults of the start.
async fn baseline(n: usize) -> Start {
    let countdown = Countdown::new(n as u64);
    let token = CancellationToken::new();
    let faults = minor_faults();
    let began = Instant::now();
    let tasks = spawn_idle_tasks(n, &countdown, &token);
    countdown.wait().await;
    let took = began.elapsed();
    let faults = minor_faults() - faults;
    token.cancel();
    for task in tasks {
        task.await.expect("join");
    }
    Start(took, faults)
}

/// [`supervisor_benches::start_stop_ordered_baseline`], with the faults of the start.
async fn ordered_baseline(n: usize) -> Start {
    let countdown = Countdown::new(n as u64);
    let faults = minor_faults();
    let began = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let token = CancellationToken::new();
            let (c, t) = (countdown.clone(), token.clone());
            (
                token,
                tokio::spawn(async move {
                    c.tick();
                    t.cancelled().await;
                }),
            )
        })
        .collect();
    countdown.wait().await;
    let took = began.elapsed();
    let faults = minor_faults() - faults;
    for (token, task) in tasks.into_iter().rev() {
        token.cancel();
        task.await.expect("join");
    }
    Start(took, faults)
}
