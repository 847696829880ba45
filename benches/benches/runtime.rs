//! Criterion benches of the hot paths, each next to its raw-tokio baseline in the same group:
//! `cargo bench -p supervisor-benches`. The ratio table of BENCHMARKS.md comes from the
//! `measure` binary, which pairs the same scenarios sample by sample.

use std::time::Duration;

use criterion::{Criterion, criterion_group};
use supervisor::Strategy;
use supervisor_benches::*;

/// Runs a scenario inside a spawned task, `iters` units at a time; afterwards (untimed) the
/// runtime must report no task alive.
fn timed<F, Fut>(rt: &tokio::runtime::Runtime, f: F) -> impl FnMut(u64) -> Duration
where
    F: Fn(u64) -> Fut + Copy,
    Fut: std::future::Future<Output = Duration> + Send + 'static,
{
    move |iters| {
        rt.block_on(async move {
            let took = tokio::spawn(f(iters)).await.expect("scenario");
            assert_no_task_alive().await;
            took
        })
    }
}

fn restart(c: &mut Criterion) {
    for (multi, label) in [(true, "multi_thread"), (false, "current_thread")] {
        let rt = runtime(multi);
        let mut g = c.benchmark_group(format!("restart/{label}"));
        g.bench_function("ours", |b| b.iter_custom(timed(&rt, restart_ours)));
        g.bench_function("raw_tokio", |b| b.iter_custom(timed(&rt, restart_baseline)));
        g.finish();
    }
}

fn start_and_shutdown(c: &mut Criterion) {
    let rt = runtime(true);
    let mut g = c.benchmark_group("start_10k");
    g.sample_size(10);
    let sum = |pick: fn((Duration, Duration)) -> Duration, with_init: bool, ours: bool| {
        move |iters: u64| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let pair = if ours {
                    start_stop_ours(10_000, with_init).await
                } else {
                    start_stop_baseline(10_000).await
                };
                total += pick(pair);
            }
            total
        }
    };
    g.bench_function("ours", |b| {
        b.iter_custom(timed(&rt, sum(|p| p.0, false, true)))
    });
    g.bench_function("ours_with_init", |b| {
        b.iter_custom(timed(&rt, sum(|p| p.0, true, true)))
    });
    g.bench_function("raw_tokio", |b| {
        b.iter_custom(timed(&rt, sum(|p| p.0, false, false)))
    });
    g.finish();
    let mut g = c.benchmark_group("shutdown_10k");
    g.sample_size(10);
    g.bench_function("ours", |b| {
        b.iter_custom(timed(&rt, sum(|p| p.1, false, true)))
    });
    g.bench_function("raw_tokio", |b| {
        b.iter_custom(timed(&rt, sum(|p| p.1, false, false)))
    });
    g.finish();
}

fn ping_pong(c: &mut Criterion) {
    let rt = runtime(true);
    let mut g = c.benchmark_group("ping_pong");
    g.bench_function("ours", |b| b.iter_custom(timed(&rt, ping_pong_ours)));
    g.bench_function("raw_tokio", |b| {
        b.iter_custom(timed(&rt, ping_pong_baseline))
    });
    g.finish();
}

fn group_restart(c: &mut Criterion) {
    let rt = runtime(true);
    let mut g = c.benchmark_group("group_restart_1000");
    g.sample_size(10);
    let run = |strategy: Option<Strategy>| {
        move |iters: u64| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += match strategy {
                    Some(s) => group_restart_ours(1_000, s).await,
                    None => group_restart_baseline(1_000).await,
                };
            }
            total
        }
    };
    g.bench_function("one_for_all", |b| {
        b.iter_custom(timed(&rt, run(Some(Strategy::OneForAll))))
    });
    g.bench_function("rest_for_one", |b| {
        b.iter_custom(timed(&rt, run(Some(Strategy::RestForOne))))
    });
    g.bench_function("raw_tokio", |b| b.iter_custom(timed(&rt, run(None))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = restart, start_and_shutdown, ping_pong, group_restart
}
fn main() {
    supervisor_benches::with_fixed_malloc_settings();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
