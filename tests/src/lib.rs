//! Shared helpers for the integration tests: scripted workers whose every run follows a script
//! the test writes, a log of what they did, and ways to read a tree's events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use supervisor::{Context, Event, EventKind, EventStream, Worker, WorkerResult};
use tokio::sync::Notify;

/// What one run of a [`Scripted`] worker does.
#[derive(Clone, Debug)]
pub enum Step {
    /// Run until asked to stop, then return `Ok`.
    Idle,
    /// Return `Ok` at once: a normal exit.
    Exit,
    /// Return an error at once.
    Fail,
    /// Panic at once.
    Panic,
    /// Ignore the shutdown request and never end by itself.
    Hang,
    /// Run for this long, then return an error.
    FailAfter(Duration),
    /// Fail in the init phase (workers with an init phase only).
    FailInit,
    /// Panic in the init phase (workers with an init phase only).
    PanicInit,
    /// Wait in the init phase until the gate is notified, then run idle.
    GatedInit(Arc<Notify>),
    /// Decide in the init phase not to run (`supervisor::Ignore`, OTP's `ignore`).
    IgnoreInit,
    /// End the run on purpose with this reason (`supervisor::ShutdownReason`, OTP's
    /// `{shutdown, Reason}`).
    ShutdownWith(&'static str),
}

/// Shared, ordered record of what the test workers did: `"init app/a 0"`, `"run app/a 0"`,
/// `"stop app/a"`.
#[derive(Clone, Default, Debug)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// Appends an entry.
    pub fn push(&self, entry: String) {
        self.0.lock().unwrap().push(entry);
    }

    /// All entries so far.
    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// The entries that start with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> Vec<String> {
        self.entries()
            .into_iter()
            .filter(|e| e.starts_with(prefix))
            .collect()
    }
}

/// The steps of a worker's runs, shared by all its starts: each start takes the next one; when
/// none are left, the run is [`Step::Idle`].
#[derive(Clone, Default, Debug)]
pub struct Script(Arc<Mutex<VecDeque<Step>>>);

impl Script {
    /// A script of these steps.
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Script(Arc::new(Mutex::new(steps.into_iter().collect())))
    }

    /// Appends steps for later runs.
    pub fn then(&self, steps: impl IntoIterator<Item = Step>) {
        self.0.lock().unwrap().extend(steps);
    }

    fn next(&self) -> Step {
        self.0.lock().unwrap().pop_front().unwrap_or(Step::Idle)
    }
}

/// A worker that follows a [`Script`] and writes a [`Log`]. `INIT` says whether it has an init
/// phase.
#[derive(Clone, Debug)]
pub struct Scripted<const INIT: bool = false> {
    script: Script,
    log: Log,
    step: Option<Step>,
}

impl<const INIT: bool> Scripted<INIT> {
    /// A worker following `script`, logging to `log`.
    pub fn new(script: &Script, log: &Log) -> Self {
        Scripted {
            script: script.clone(),
            log: log.clone(),
            step: None,
        }
    }
}

impl<const INIT: bool> Worker for Scripted<INIT> {
    const HAS_INIT: bool = INIT;

    async fn init(&mut self, ctx: &Context) -> WorkerResult {
        let step = self.script.next();
        self.log
            .push(format!("init {} {}", ctx.path(), ctx.generation()));
        match &step {
            Step::FailInit => return Err(format!("init of {} failed", ctx.path()).into()),
            Step::PanicInit => panic!("init of {} panicked", ctx.path()),
            Step::IgnoreInit => return Err(supervisor::Ignore.into()),
            Step::GatedInit(gate) => gate.notified().await,
            _ => {}
        }
        self.step = Some(step);
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let step = self.step.take().unwrap_or_else(|| self.script.next());
        self.log
            .push(format!("run {} {}", ctx.path(), ctx.generation()));
        match step {
            Step::Exit => Ok(()),
            Step::ShutdownWith(reason) => Err(supervisor::ShutdownReason::new(reason).into()),
            Step::Fail => Err(format!("{} failed", ctx.path()).into()),
            Step::Panic => panic!("{} panicked", ctx.path()),
            Step::Hang => std::future::pending().await,
            Step::FailAfter(delay) => {
                tokio::time::sleep(delay).await;
                Err(format!("{} failed", ctx.path()).into())
            }
            _ => {
                ctx.shutdown_requested().await;
                self.log.push(format!("stop {}", ctx.path()));
                Ok(())
            }
        }
    }
}

/// A worker that holds a value and idles: tests count who keeps a copy of what it was built
/// from (its spec's factory, a pool's restart arguments).
#[derive(Clone, Debug)]
pub struct Holds(pub Arc<()>);

impl Worker for Holds {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

/// A worker that idles until asked to stop: the stand-in child of the compile-fail cases.
#[derive(Clone, Copy, Debug, Default)]
pub struct Idle;

impl Worker for Idle {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

/// Events are read with this much (paused) time to spare, so a missing event fails the test
/// instead of hanging it.
pub const PATIENCE: Duration = Duration::from_secs(3600);

/// Every event already waiting, without waiting for more.
pub fn drain(events: &mut EventStream) -> Vec<Event> {
    let mut out = Vec::new();
    while let Some(event) = events.try_recv() {
        match event {
            Ok(event) => out.push(event),
            Err(supervisor::RecvError::Closed) => break,
            Err(lagged) => panic!("the test's subscriber {lagged}"),
        }
    }
    out
}

/// Reads events until one matches `done`; returns all read, the matching one last.
pub async fn until(events: &mut EventStream, done: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut out = Vec::new();
    loop {
        let event = tokio::time::timeout(PATIENCE, events.recv())
            .await
            .expect("the expected event never came")
            .expect("the event stream ended");
        let matched = done(&event);
        out.push(event);
        if matched {
            return out;
        }
    }
}

/// A one-line summary of an event, for order assertions: `"started app/a"`,
/// `"exited app/a shutdown"`, `"restart app/a [app/a, app/b]"`.
pub fn brief(event: &Event) -> String {
    let path = &event.path;
    match &event.kind {
        EventKind::Started { .. } => format!("started {path}"),
        EventKind::Ready { .. } => format!("ready {path}"),
        EventKind::StartFailed { .. } => format!("start_failed {path}"),
        EventKind::Ignored { .. } => format!("ignored {path}"),
        EventKind::Exited { reason } => {
            let reason = match reason {
                supervisor::ExitReason::Normal => "normal",
                supervisor::ExitReason::Shutdown => "shutdown",
                supervisor::ExitReason::Failed(_) => "failed",
                supervisor::ExitReason::Killed => "killed",
                supervisor::ExitReason::ShutdownWith(_) => "shutdown_with",
            };
            format!("exited {path} {reason}")
        }
        EventKind::RestartDecided { children } => {
            let names: Vec<String> = children.iter().map(ToString::to_string).collect();
            format!("restart {path} [{}]", names.join(", "))
        }
        EventKind::IntensityExceeded { .. } => format!("intensity {path}"),
        EventKind::ShuttingDown => format!("shutting_down {path}"),
        EventKind::TreeEnded { reason } => format!("tree_ended {path} {reason}"),
        other => format!("{other:?} {path}"),
    }
}

/// [`brief`] of every event, keeping those whose summary starts with one of `kinds`.
pub fn briefs(events: &[Event], kinds: &[&str]) -> Vec<String> {
    events
        .iter()
        .map(brief)
        .filter(|b| kinds.iter().any(|k| b.starts_with(k)))
        .collect()
}

/// The paths of children as listed by `which_children`, in its order.
pub fn paths(children: &[supervisor::ChildInfo]) -> Vec<String> {
    children.iter().map(|c| c.path.to_string()).collect()
}

/// Panics when dropped (outside an unwinding): a field of a test worker whose `Drop` must
/// panic, to check that the panic is the run's failure and loses nothing.
pub struct PanicsWhenDropped;

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("dropping the worker panicked");
        }
    }
}

/// Everything a `tracing_subscriber::fmt` subscriber wrote, given as its writer
/// (`.with_writer(captured.clone())`), for tests that read the logs.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Makes a plain-text `fmt` subscriber writing here (no time, no target, events up to
    /// `level`) this thread's default until the guard is dropped.
    pub fn set_default(&self, level: tracing::Level) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(self.clone())
            .with_max_level(level)
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    /// The lines written so far.
    pub fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The key of the pool called `conns` at the root of a hand-built tree.
pub fn conns<A>() -> supervisor::PoolKey<supervisor::ChildRef, A> {
    supervisor::PoolKey::new("conns".into())
}

/// A tree `app` with one pool of `pool`, started, and the pool's handle.
pub async fn tree_with<A: Send + 'static>(
    pool: supervisor::PoolSpec<A>,
) -> (supervisor::Tree, supervisor::PoolHandle<A>) {
    let name = pool.name().to_owned();
    let tree = supervisor::SupervisorSpec::new("app")
        .child(supervisor::ChildSpec::pool(pool))
        .start()
        .await
        .unwrap();
    let handle = tree
        .pool(supervisor::PoolKey::new(name.as_str().into()))
        .await
        .unwrap();
    (tree, handle)
}
