//! The benchmark scenarios, each for our runtime and for a raw-tokio baseline that does the
//! least work achieving the same effect. Every function runs one sample on the runtime it is
//! called in and returns the time the scenario took; trees and tasks are built outside the
//! timed part where the scenario says so.
//!
//! Used by the criterion benches (`benches/*.rs`) and by the `measure` binary, which prints the
//! ratio table of BENCHMARKS.md.

mod pool;

pub use pool::*;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use supervisor::{ChildSpec, Context, Strategy, SupervisorSpec, Worker, WorkerResult};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

/// glibc's heap settings every measurement runs with: the heap is never trimmed, and blocks of
/// up to 32 MiB come from the heap rather than from fresh mappings.
pub const MALLOC_SETTINGS: &str =
    "glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=33554432";

/// The argument that asks `measure` for glibc's default heap settings, as users run, instead
/// of [`MALLOC_SETTINGS`].
pub const DEFAULT_MALLOC_FLAG: &str = "--default-malloc";

/// The environment variable that asks for glibc's default heap settings where the arguments
/// are not ours (the criterion benches): `SUPERVISOR_BENCHES_MALLOC=default`.
pub const DEFAULT_MALLOC_VAR: &str = "SUPERVISOR_BENCHES_MALLOC";

/// Whether this run asked for glibc's default heap settings: [`DEFAULT_MALLOC_FLAG`] among its
/// arguments, or [`DEFAULT_MALLOC_VAR`] set to `default`.
pub fn default_malloc_asked() -> bool {
    std::env::args().any(|a| a == DEFAULT_MALLOC_FLAG)
        || std::env::var(DEFAULT_MALLOC_VAR).is_ok_and(|v| v == "default")
}

/// The heap settings this process runs with, for the line above a table: the value of
/// `GLIBC_TUNABLES`, or glibc's defaults when it is not set.
pub fn malloc_settings_in_use() -> String {
    match std::env::var("GLIBC_TUNABLES") {
        Ok(v) => format!("GLIBC_TUNABLES={v}"),
        Err(_) => "glibc's defaults (GLIBC_TUNABLES not set)".into(),
    }
}

/// Runs this program again, with [`MALLOC_SETTINGS`], unless it already runs with them, and
/// exits with its status; returns only in the process that runs with them. Callers skip it
/// when [`default_malloc_asked`].
///
/// By default glibc adapts both thresholds as blocks are freed, and gives the top of the heap
/// back to the system once enough of it is free; a sample after such a trim pays the page
/// faults of regrowing the heap, whichever side it measures. On this machine the baseline's
/// start of 10,000 tasks then took up to 0.5 µs a task in some samples instead of 0.2 (in
/// fourteen `measure --quick` runs alternating the two settings: four of seven with glibc's
/// defaults, none of seven with the fixed settings). Fixed thresholds keep the heap as the
/// previous sample left it, on both sides. Other C libraries ignore the variable.
pub fn with_fixed_malloc_settings() {
    const VAR: &str = "GLIBC_TUNABLES";
    if std::env::var(VAR).is_ok_and(|v| v == MALLOC_SETTINGS) {
        return;
    }
    let exe = std::env::current_exe().expect("this program's path");
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(VAR, MALLOC_SETTINGS)
        .status()
        .expect("run this program again");
    std::process::exit(status.code().unwrap_or(1));
}

/// Counts events and wakes a waiter when a target is reached.
#[derive(Clone, Default)]
pub struct Countdown {
    count: Arc<AtomicU64>,
    target: Arc<AtomicU64>,
    done: Arc<Notify>,
}

impl Countdown {
    /// A countdown that fires after `target` ticks.
    pub fn new(target: u64) -> Self {
        let c = Countdown::default();
        c.target.store(target, Ordering::SeqCst);
        c
    }

    /// Counts one event.
    pub fn tick(&self) {
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.target.load(Ordering::Acquire) {
            self.done.notify_one();
        }
    }

    /// Waits until the target is reached.
    pub async fn wait(&self) {
        self.done.notified().await;
    }

    /// Counts from zero again, toward `target` more ticks.
    pub fn reset(&self, target: u64) {
        self.count.store(0, Ordering::SeqCst);
        self.target.store(target, Ordering::SeqCst);
    }
}

/// A worker that fails as soon as it runs.
#[derive(Clone)]
pub struct FailFast(pub Countdown);

impl Worker for FailFast {
    async fn run(&mut self, _ctx: &Context) -> WorkerResult {
        self.0.tick();
        Err("fail fast".into())
    }
}

/// A worker that counts its start, then idles until asked to stop.
#[derive(Clone)]
pub struct Idle(pub Countdown);

impl Worker for Idle {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        self.0.tick();
        ctx.shutdown_requested().await;
        Ok(())
    }
}

/// [`Idle`] with an (empty) init phase, so its supervisor waits for each start.
#[derive(Clone)]
pub struct IdleWithInit(pub Countdown);

impl Worker for IdleWithInit {
    const HAS_INIT: bool = true;

    async fn init(&mut self, _ctx: &Context) -> WorkerResult {
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        self.0.tick();
        ctx.shutdown_requested().await;
        Ok(())
    }
}

/// Restarts of a permanent child that fails at once: the time of `n` restarts.
pub async fn restart_ours(n: u64) -> Duration {
    restart_ours_with(n, supervisor::Backoff::NONE).await
}

/// [`restart_ours`] with the child's backoff set to `backoff` (issue 16: a backoff configured
/// to no delay must cost no more than none).
pub async fn restart_ours_with(n: u64, backoff: supervisor::Backoff) -> Duration {
    let countdown = Countdown::new(n + 1);
    let spec = SupervisorSpec::new("bench")
        .intensity(u32::MAX, Duration::from_secs(1))
        .child(ChildSpec::from_value("flaky", FailFast(countdown.clone())).backoff(backoff));
    let began = Instant::now();
    let tree = spec.start().await.expect("start");
    countdown.wait().await;
    let took = began.elapsed();
    tree.shutdown().await.expect("shutdown");
    took
}

/// The baseline of [`restart_ours`]: spawn a task that returns `Err`, await it, again.
pub async fn restart_baseline(n: u64) -> Duration {
    let countdown = Countdown::new(n + 1);
    let began = Instant::now();
    for _ in 0..=n {
        let c = countdown.clone();
        let result = tokio::spawn(async move {
            c.tick();
            Err::<(), Box<dyn std::error::Error + Send + Sync>>("fail fast".into())
        })
        .await
        .expect("join");
        std::hint::black_box(result).ok();
    }
    began.elapsed()
}

/// The clock at the start of a scenario's stop phase. Never inlined, so that a profiler can
/// split a start-and-stop run there (`valgrind --tool=callgrind
/// --dump-before='*stop_phase_begins*' target/release/examples/profile_restart shutdown 10000`).
#[inline(never)]
pub fn stop_phase_begins() -> Instant {
    Instant::now()
}

/// A flat tree of `n` idle children (with or without an init phase).
pub fn flat_tree(n: usize, countdown: &Countdown, with_init: bool) -> SupervisorSpec {
    let children = (0..n).map(|i| {
        let name = format!("c{i}");
        if with_init {
            ChildSpec::from_value(name, IdleWithInit(countdown.clone()))
        } else {
            ChildSpec::from_value(name, Idle(countdown.clone()))
        }
    });
    SupervisorSpec::new("bench").children(children)
}

/// Start and shutdown of a flat tree of `n` idle children: the time until every child is
/// running, and the time from the shutdown request until the last child has ended.
pub async fn start_stop_ours(n: usize, with_init: bool) -> (Duration, Duration) {
    let countdown = Countdown::new(n as u64);
    let spec = flat_tree(n, &countdown, with_init);
    let began = Instant::now();
    let tree = spec.start().await.expect("start");
    countdown.wait().await;
    let started = began.elapsed();
    let began = stop_phase_begins();
    tree.shutdown().await.expect("shutdown");
    (started, began.elapsed())
}

/// The baseline of [`start_stop_ours`]: spawn `n` tasks that await a cancellation token, until
/// each has run; then cancel the token and join them all.
pub async fn start_stop_baseline(n: usize) -> (Duration, Duration) {
    let countdown = Countdown::new(n as u64);
    let token = CancellationToken::new();
    let began = Instant::now();
    let tasks = spawn_idle_tasks(n, &countdown, &token);
    countdown.wait().await;
    let started = began.elapsed();
    let began = stop_phase_begins();
    token.cancel();
    for task in tasks {
        task.await.expect("join");
    }
    (started, began.elapsed())
}

/// The ordered baseline of [`start_stop_ours`], which does what a supervisor's start and
/// shutdown do in the order they do it: spawn `n` tasks one after another, each awaiting a
/// cancellation token of its own, until each has run; then, in reverse start order, cancel one
/// task's token and await that task before the next (OTP's rule for a shutdown, which
/// [`start_stop_baseline`] does not follow: it cancels every task at once).
pub async fn start_stop_ordered_baseline(n: usize) -> (Duration, Duration) {
    let countdown = Countdown::new(n as u64);
    let began = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let token = CancellationToken::new();
            let (c, t) = (countdown.clone(), token.clone());
            let task = tokio::spawn(async move {
                c.tick();
                t.cancelled().await;
            });
            (token, task)
        })
        .collect();
    countdown.wait().await;
    let started = began.elapsed();
    let began = stop_phase_begins();
    for (token, task) in tasks.into_iter().rev() {
        token.cancel();
        task.await.expect("join");
    }
    (started, began.elapsed())
}

/// The baseline's idle children: `n` bare tasks that count themselves and await `token`.
pub fn spawn_idle_tasks(
    n: usize,
    countdown: &Countdown,
    token: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let (c, t) = (countdown.clone(), token.clone());
            tokio::spawn(async move {
                c.tick();
                t.cancelled().await;
            })
        })
        .collect()
}

/// Restart of a supervisor of `n` idle children after its first child fails, under `strategy`:
/// the time from the failure until all `n` run again.
pub async fn group_restart_ours(n: usize, strategy: Strategy) -> Duration {
    let started = Countdown::new(n as u64);
    let trigger = Arc::new(Notify::new());
    let first = {
        let (started, trigger) = (started.clone(), trigger.clone());
        ChildSpec::worker("first", move || {
            FailOnSignal(started.clone(), trigger.clone())
        })
    };
    let rest = (1..n).map(|i| ChildSpec::from_value(format!("c{i}"), Idle(started.clone())));
    let spec = SupervisorSpec::new("bench")
        .strategy(strategy)
        .intensity(10, Duration::from_secs(1))
        .child(first)
        .children(rest);
    let tree = spec.start().await.expect("start");
    started.wait().await;
    started.reset(n as u64);
    let began = Instant::now();
    trigger.notify_one();
    started.wait().await;
    let took = began.elapsed();
    tree.shutdown().await.expect("shutdown");
    took
}

/// Counts its start, then fails when signalled (once per run).
#[derive(Clone)]
struct FailOnSignal(Countdown, Arc<Notify>);

impl Worker for FailOnSignal {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        self.0.tick();
        tokio::select! {
            _ = self.1.notified() => Err("signalled".into()),
            _ = ctx.shutdown_requested() => Ok(()),
        }
    }
}

/// The baseline of [`group_restart_ours`]: `n` tasks on a token; on the failure, cancel the
/// token, join them all, and spawn `n` again, until all run.
pub async fn group_restart_baseline(n: usize) -> Duration {
    let countdown = Countdown::new(n as u64);
    let spawn_all = |token: &CancellationToken| spawn_idle_tasks(n, &countdown, token);
    let token = CancellationToken::new();
    let tasks = spawn_all(&token);
    countdown.wait().await;
    countdown.reset(n as u64);
    let began = Instant::now();
    token.cancel();
    for task in tasks {
        task.await.expect("join");
    }
    let token = CancellationToken::new();
    let tasks = spawn_all(&token);
    countdown.wait().await;
    let took = began.elapsed();
    token.cancel();
    for task in tasks {
        task.await.expect("join");
    }
    took
}

/// Ping-pong of `n` round trips between two supervised workers over mpsc channels.
pub async fn ping_pong_ours(n: u64) -> Duration {
    let (ping_tx, ping_rx) = mpsc::channel::<u64>(1);
    let (pong_tx, pong_rx) = mpsc::channel::<u64>(1);
    let done = Countdown::new(1);
    let ponger = Ponger(Arc::new(std::sync::Mutex::new(Some((ping_rx, pong_tx)))));
    let pinger = Pinger(
        Arc::new(std::sync::Mutex::new(Some((pong_rx, ping_tx)))),
        n,
        done.clone(),
    );
    let spec = SupervisorSpec::new("bench")
        .child(ChildSpec::worker("ponger", move || ponger.clone()))
        .child(ChildSpec::worker("pinger", move || pinger.clone()));
    let began = Instant::now();
    let tree = spec.start().await.expect("start");
    done.wait().await;
    let took = began.elapsed();
    tree.shutdown().await.expect("shutdown");
    took
}

type Ends<A, B> = Arc<std::sync::Mutex<Option<(mpsc::Receiver<A>, mpsc::Sender<B>)>>>;

#[derive(Clone)]
struct Ponger(Ends<u64, u64>);

impl Worker for Ponger {
    async fn run(&mut self, _ctx: &Context) -> WorkerResult {
        let taken = self.0.lock().expect("lock").take();
        let Some((mut rx, tx)) = taken else {
            return Ok(());
        };
        // The same loop as the baseline's: it ends when the pinger, stopped first (reverse
        // start order), drops its sender.
        while let Some(m) = rx.recv().await {
            let _ = tx.send(m).await;
        }
        Ok(())
    }
}

#[derive(Clone)]
struct Pinger(Ends<u64, u64>, u64, Countdown);

impl Worker for Pinger {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let taken = self.0.lock().expect("lock").take();
        let Some((mut rx, tx)) = taken else {
            return Ok(());
        };
        for i in 0..self.1 {
            tx.send(i).await?;
            rx.recv().await.ok_or("closed")?;
        }
        self.2.tick();
        ctx.shutdown_requested().await;
        Ok(())
    }
}

/// The baseline of [`ping_pong_ours`]: the same exchange between two bare tasks.
pub async fn ping_pong_baseline(n: u64) -> Duration {
    let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
    let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
    let began = Instant::now();
    let ponger = tokio::spawn(async move {
        while let Some(m) = ping_rx.recv().await {
            let _ = pong_tx.send(m).await;
        }
    });
    let pinger = tokio::spawn(async move {
        for i in 0..n {
            ping_tx.send(i).await.expect("send");
            pong_rx.recv().await.expect("recv");
        }
    });
    pinger.await.expect("join");
    let took = began.elapsed();
    ponger.await.expect("join");
    took
}

/// The median of `samples` (the mean of the middle two for an even count).
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    let n = samples.len();
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

/// The runtimes the scenarios run on: multi-thread with 2 workers (this machine's cores), or
/// current_thread.
pub fn runtime(multi: bool) -> tokio::runtime::Runtime {
    let mut builder = if multi {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().expect("runtime")
}

/// Tasks alive on the current runtime, which must be 0 after every scenario.
pub fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Panics unless the current runtime reports 0 alive tasks; call it from `block_on`, not from a
/// task (which would count itself). A task whose `JoinHandle` has resolved may leave tokio's task
/// list just after (on another worker), so the check allows up to 1 s, polled every millisecond,
/// outside any timed part.
pub async fn assert_no_task_alive() {
    for _ in 0..1000 {
        if alive_tasks() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{} tasks still alive after a scenario", alive_tasks());
}
