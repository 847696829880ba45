//! How a worker's runs start, made once per spec from its factory: spawned at once, or through
//! an init phase that runs in the supervisor's task (which waits for it, as OTP's `start_link`
//! waits for `init/1`) before the run phase is spawned; either way, optionally followed by the
//! wait until the run says it is ready.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::child::{self, SpawnArgs, TaskHandle};
use super::launch::{self, Launched};
use super::run::Run;
use crate::event::EventBus;
use crate::exit::{ExitReason, Failure, ShutdownReason};
use crate::worker::{Context, Ignore, Worker};

/// How one run of a worker starts, built from the spec's factory for every start.
#[derive(Clone)]
pub(crate) enum WorkerStart {
    /// Spawns the run's task at once; the worker's future lives in it, unboxed. With `true`,
    /// hands the run to the parked task of the child's previous run instead, and returns no
    /// task unless that task was gone (see [`child::hand_over`]). Fails if the factory panics.
    Spawn(Arc<SpawnFn>),
    /// Runs the init phase in the caller, the supervisor, which waits for it before it starts
    /// the next sibling anyway; then spawns the run phase (see [`InitFuture`]). Fails if the
    /// factory panics.
    Init(Arc<dyn Fn(SpawnArgs) -> Result<InitFuture, Failure> + Send + Sync>),
    /// Starts as the inner start, then waits until the run says it is ready
    /// ([`Context::ready`]) or ends ([`Worker::SIGNALS_READY`]).
    Ready(Box<WorkerStart>),
}

impl WorkerStart {
    pub(crate) fn has_init(&self) -> bool {
        match self {
            WorkerStart::Spawn(_) => false,
            WorkerStart::Init(_) => true,
            WorkerStart::Ready(inner) => inner.has_init(),
        }
    }
}

/// See [`WorkerStart::Spawn`].
pub(crate) type SpawnFn =
    dyn Fn(SpawnArgs, bool) -> Result<Option<TaskHandle>, Failure> + Send + Sync;

/// A worker's init phase, followed by the spawn of its run phase: the run's task once the init
/// succeeded, or how the run ended without one (its init failed or panicked, or it was asked to
/// stop during its init).
pub(crate) type InitFuture = Pin<Box<dyn Future<Output = Result<TaskHandle, InitEnd>> + Send>>;

/// How an init phase ended without a run phase.
pub(crate) enum InitEnd {
    /// The run ended: its init failed or panicked, or it was asked to stop meanwhile.
    Ended(ExitReason),
    /// The worker decided not to run ([`Ignore`], OTP's `ignore`).
    Ignored,
}

impl From<ExitReason> for InitEnd {
    fn from(reason: ExitReason) -> Self {
        InitEnd::Ended(reason)
    }
}

/// A worker's run phase. Not an `async fn`: its arguments would be kept twice in the future
/// (as arguments and as locals), which would no longer fit tokio's 256-byte task cell.
#[allow(clippy::manual_async_fn)] // On purpose, see above.
pub(crate) fn run_phase<W: Worker>(
    mut worker: W,
    ctx: Context,
) -> impl Future<Output = ExitReason> + Send {
    async move {
        let reason = match worker.run(&ctx).await {
            Ok(()) if ctx.is_shutdown_requested() => ExitReason::Shutdown,
            Ok(()) => ExitReason::Normal,
            Err(error) => match error.downcast::<ShutdownReason>() {
                Ok(shutdown) => ExitReason::ShutdownWith(*shutdown),
                Err(error) => ExitReason::Failed(Failure::from_boxed(error)),
            },
        };
        // The worker goes now, its panic caught: it must not hide how the run ended.
        match child::caught(move || drop(worker)) {
            Ok(()) => reason,
            Err(panic) => reason.then_drop_panicked(panic),
        }
    }
}

/// How the runs of a worker built by `factory` start: spawned at once, or through an init
/// phase that the supervisor waits for.
pub(crate) fn worker_start<W, F>(factory: F) -> WorkerStart
where
    W: Worker,
    F: Fn() -> W + Send + Sync + 'static,
{
    worker_start_with(move || child::caught(&factory))
}

/// How the runs of a worker made by `make` start (see [`worker_start`]); `make` fails the
/// start with its failure.
pub(crate) fn worker_start_with<W, F>(make: F) -> WorkerStart
where
    W: Worker,
    F: Fn() -> Result<W, Failure> + Send + Sync + 'static,
{
    let start = worker_phases(make);
    if W::SIGNALS_READY {
        return WorkerStart::Ready(Box::new(start));
    }
    start
}

/// The init and run phases of a worker made by `make`.
fn worker_phases<W, F>(make: F) -> WorkerStart
where
    W: Worker,
    F: Fn() -> Result<W, Failure> + Send + Sync + 'static,
{
    if W::HAS_INIT {
        WorkerStart::Init(Arc::new(
            move |args: SpawnArgs| -> Result<InitFuture, Failure> { Ok(init_phase(make()?, args)) },
        ))
    } else {
        WorkerStart::Spawn(Arc::new(move |args: SpawnArgs, in_place: bool| {
            Ok(spawn_run(make()?, args, in_place))
        }))
    }
}

/// Spawns the run phase of `worker`, or with `in_place` hands it to the parked task of the
/// child's previous run (see [`child::hand_over`]); returns the task spawned, if one was. The
/// task of a worker that signals readiness does not park: its start waits for it to be ready,
/// which a run handed over does not do.
#[inline(always)]
fn spawn_run<W: Worker>(worker: W, args: SpawnArgs, in_place: bool) -> Option<TaskHandle> {
    let ctx = Context::new(args.run.clone());
    let fut = run_phase(worker, ctx);
    if W::SIGNALS_READY {
        Some(child::spawn(fut, args))
    } else if in_place {
        child::hand_over(fut, args)
    } else {
        Some(child::spawn_parking(fut, args))
    }
}

/// The init phase of `worker`, to run in the caller's task, then the spawn of its run phase.
fn init_phase<W: Worker>(mut worker: W, args: SpawnArgs) -> InitFuture {
    let phase = async move {
        let ctx = Context::new(args.run.clone());
        let init = child::InSpan::new(args.span.as_deref(), worker.init(&ctx)).await;
        let ended = match init {
            Ok(()) if !ctx.is_shutdown_requested() => {
                return Ok(child::spawn(run_phase(worker, ctx), args));
            }
            Ok(()) => InitEnd::Ended(ExitReason::Shutdown),
            Err(error) if error.is::<Ignore>() => InitEnd::Ignored,
            Err(error) => InitEnd::Ended(ExitReason::Failed(Failure::from_boxed(error))),
        };
        // The worker goes now, its panic caught: it must not hide how the init ended.
        match child::caught(move || drop(worker)) {
            Ok(()) => Err(ended),
            Err(panic) => Err(InitEnd::Ended(match ended {
                InitEnd::Ended(reason) => reason.then_drop_panicked(panic),
                InitEnd::Ignored => ExitReason::Failed(panic),
            })),
        }
    };
    // It runs in the supervisor's task: a panic in the init phase, or in the worker's `Drop`
    // after a failed one, is the child's failed start.
    Box::pin(child::Caught::new(phase))
}

/// Starts a run of `worker` itself, rather than of a worker a factory makes: a pool's instance,
/// whose arguments are the worker value its pool keeps. `parked`: the parked task of the
/// instance's previous run, to run it in (see [`child::hand_over`]); taken if used.
pub(crate) fn launch_value<W: Worker>(
    worker: W,
    args: SpawnArgs,
    run: &Arc<Run>,
    events: &EventBus,
    parked: &mut Option<TaskHandle>,
) -> Launched {
    let launched = if W::HAS_INIT {
        launch::init_begun(init_phase(worker, args), run, events)
    } else {
        let task = spawn_run(worker, args, parked.is_some());
        launch::spawned_or_handed_over(task, parked, run, events)
    };
    if W::SIGNALS_READY {
        launch::then_ready(launched, run)
    } else {
        launched
    }
}
