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

/// Who runs a start and shutdown sample.
#[derive(Clone, Copy)]
enum Side {
    Ours {
        with_init: bool,
    },
    /// Cancels every task at once.
    RawTokio,
    /// Stops in the order a supervisor does: one task at a time, in reverse.
    RawTokioOrdered,
}

fn start_and_shutdown(c: &mut Criterion) {
    let rt = runtime(true);
    let mut g = c.benchmark_group("start_10k");
    g.sample_size(10);
    let sum = |pick: fn((Duration, Duration)) -> Duration, side: Side| {
        move |iters: u64| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let pair = match side {
                    Side::Ours { with_init } => start_stop_ours(10_000, with_init).await,
                    Side::RawTokio => start_stop_baseline(10_000).await,
                    Side::RawTokioOrdered => start_stop_ordered_baseline(10_000).await,
                };
                total += pick(pair);
            }
            total
        }
    };
    let start: fn((Duration, Duration)) -> Duration = |p| p.0;
    let stop: fn((Duration, Duration)) -> Duration = |p| p.1;
    let ours = Side::Ours { with_init: false };
    g.bench_function("ours", |b| b.iter_custom(timed(&rt, sum(start, ours))));
    g.bench_function("ours_with_init", |b| {
        b.iter_custom(timed(&rt, sum(start, Side::Ours { with_init: true })))
    });
    g.bench_function("raw_tokio", |b| {
        b.iter_custom(timed(&rt, sum(start, Side::RawTokio)))
    });
    g.bench_function("raw_tokio_ordered", |b| {
        b.iter_custom(timed(&rt, sum(start, Side::RawTokioOrdered)))
    });
    g.finish();
    let mut g = c.benchmark_group("shutdown_10k");
    g.sample_size(10);
    g.bench_function("ours", |b| b.iter_custom(timed(&rt, sum(stop, ours))));
    g.bench_function("raw_tokio", |b| {
        b.iter_custom(timed(&rt, sum(stop, Side::RawTokio)))
    });
    g.bench_function("raw_tokio_ordered", |b| {
        b.iter_custom(timed(&rt, sum(stop, Side::RawTokioOrdered)))
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
    // `SUPERVISOR_BENCHES_MALLOC=default` keeps glibc's defaults (criterion owns the arguments).
    if !supervisor_benches::default_malloc_asked() {
        supervisor_benches::with_fixed_malloc_settings();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
