//! How one run of a child starts, whatever holds it (a supervisor's slot or a pool's
//! instance): [`launch`] does the part that needs no waiting (spawn a worker, begin its init
//! phase or a nested supervisor's start), [`wait`] the part that does.

use super::log::log;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::child::{self, SpawnArgs, TaskHandle};
use super::mailbox::MailSender;
use super::run::Run;
use super::stop::{StopChain, StopLink};
use super::worker_start::{InitEnd, InitFuture, WorkerStart};
use crate::error::StartError;
use crate::event::{EventBus, EventKind};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::pool::{PoolChild, PoolKind};
use crate::spec::{ChildKind, ChildSpec, Restart, Shutdown, SupervisorSpec};

/// A start after its part that needs no waiting.
pub(crate) enum Launched {
    /// The run is running: a worker without an init phase, or whose init finished at its first
    /// poll.
    Running(TaskHandle),
    /// The run could not be started: its worker's factory panicked, or its init phase failed
    /// at its first poll.
    Failed(Failure),
    /// The start waits for the run.
    Waiting(WaitOn),
    /// The worker's init phase decided not to run (OTP's `ignore`).
    Ignored,
}

/// What a start waits for.
pub(crate) enum WaitOn {
    /// A worker's init phase, which runs in the caller's task.
    Init(InitFuture),
    /// A worker's init phase, then its run until it says it is ready.
    InitThenReady(InitFuture),
    /// A worker's run, until it says it is ready ([`Context::ready`](crate::Context::ready)).
    Ready(TaskHandle),
    /// A nested supervisor (or pool) starting; it says when it is ready.
    Supervisor(
        TaskHandle,
        oneshot::Receiver<Result<MailSender, StartError>>,
    ),
}

/// What cut a wait for a start short.
enum Cut {
    /// The caller was asked to stop.
    Stop,
    /// The child's start timeout ran out.
    TimedOut(Duration),
}

impl Cut {
    fn failed(self) -> WaitFailed {
        match self {
            Cut::Stop => WaitFailed::Interrupted,
            Cut::TimedOut(limit) => WaitFailed::Failed(Failure::new(
                FailureKind::StartTimeout,
                format!("it did not finish starting within its start timeout of {limit:?}"),
            )),
        }
    }
}

/// Why a waited-for start did not end with a running child.
pub(crate) enum WaitFailed {
    /// The caller was asked to stop meanwhile; the run was stopped.
    Interrupted,
    /// The run failed to start.
    Failed(Failure),
    /// The worker's init phase decided not to run (OTP's `ignore`).
    Ignored,
    /// A nested supervisor failed to start one of its children: its error (naming the deep
    /// child) and the failure to record for the nested supervisor itself.
    Nested(StartError, Failure),
}

/// Starts `run` (the run in `args`, which the caller holds too) of a child of `kind`: spawns
/// it, or begins what its start waits for. Emits its `Started` event once its factory has run.
///
/// The caller's `run` is borrowed rather than the one in `args` cloned: a reference count is
/// an atomic operation, four of them a restart otherwise (`perf annotate`: most of this
/// function's time).
///
/// `parked`: the parked task of the child's previous run, whose run `run` is, renewed (see
/// [`Run::can_rerun`]): a worker's run is handed to it rather than spawned. Taken if used.
#[inline]
pub(crate) fn launch(
    kind: &ChildKind,
    args: SpawnArgs,
    run: &Arc<Run>,
    events: &EventBus,
    parked: &mut Option<TaskHandle>,
) -> Launched {
    let generation = run.generation();
    match kind {
        ChildKind::Worker(start) => launch_worker(start, args, run, events, parked),
        ChildKind::Supervisor(spec) => {
            let (ready_tx, ready_rx) = oneshot::channel();
            let spec = (**spec).clone();
            let fut =
                super::supervisor::supervise_boxed(spec, run.clone(), events.clone(), ready_tx);
            let task = child::spawn(fut, args);
            events.emit(|| run.path().clone(), || EventKind::Started { generation });
            log!(debug, child = %run.path(), generation, "child started, waiting for it");
            Launched::Waiting(WaitOn::Supervisor(task, ready_rx))
        }
        // Not reached: a taken start belongs to a child that is never started again.
        ChildKind::Taken(_) => Launched::Failed(Failure::new(
            FailureKind::StartFailed,
            "its start is not kept (a temporary child is started once)",
        )),
        ChildKind::Pool(pool) => {
            let (ready_tx, ready_rx) = oneshot::channel();
            let fut = match pool.partition {
                Some((p, n)) => super::pool::pool_boxed(
                    pool.kind.clone(),
                    p,
                    n,
                    run.clone(),
                    events.clone(),
                    ready_tx,
                ),
                None => {
                    let n = pool.kind.settings.partitions.count();
                    pool.kind.cell.open(n);
                    if n == 1 {
                        super::pool::pool_boxed(
                            pool.kind.clone(),
                            0,
                            1,
                            run.clone(),
                            events.clone(),
                            ready_tx,
                        )
                    } else {
                        let spec = partitions(run.name(), &pool.kind, n);
                        super::supervisor::supervise_boxed(
                            spec,
                            run.clone(),
                            events.clone(),
                            ready_tx,
                        )
                    }
                }
            };
            let task = child::spawn(fut, args);
            events.emit(|| run.path().clone(), || EventKind::Started { generation });
            log!(debug, child = %run.path(), generation, "pool started");
            Launched::Waiting(WaitOn::Supervisor(task, ready_rx))
        }
    }
}

/// [`launch`] of a worker's run: inlined into it for the common starts (a worker that signals
/// readiness goes through [`launch_ready`], which is not, so that the recursion does not keep
/// this out of line: 54 instructions a restart).
#[inline(always)]
fn launch_worker(
    start: &WorkerStart,
    args: SpawnArgs,
    run: &Arc<Run>,
    events: &EventBus,
    parked: &mut Option<TaskHandle>,
) -> Launched {
    match start {
        WorkerStart::Spawn(start) => match start(args, parked.is_some()) {
            Ok(task) => spawned_or_handed_over(task, parked, run, events),
            Err(failure) => Launched::Failed(failure),
        },
        WorkerStart::Init(start) => match start(args) {
            Ok(init) => init_begun(init, run, events),
            Err(failure) => Launched::Failed(failure),
        },
        WorkerStart::Ready(inner) => launch_ready(inner, args, run, events),
    }
}

/// A worker's run, running: in the task spawned for it, or else (none was) in the parked task
/// it was handed to, taken from `parked`. Inlined into every start of a worker (out of line:
/// 36 instructions a child, callgrind).
#[inline(always)]
pub(crate) fn spawned_or_handed_over(
    task: Option<TaskHandle>,
    parked: &mut Option<TaskHandle>,
    run: &Arc<Run>,
    events: &EventBus,
) -> Launched {
    match task.or_else(|| parked.take()) {
        Some(task) => spawned(task, run, events),
        // Not reached: a run is handed over only to a parked task.
        None => Launched::Failed(Failure::new(
            FailureKind::StartFailed,
            "its run was handed to a task that it had not",
        )),
    }
}

/// A worker's run, spawned: running.
#[inline(always)]
pub(crate) fn spawned(task: TaskHandle, run: &Arc<Run>, events: &EventBus) -> Launched {
    let generation = run.generation();
    events.emit(|| run.path().clone(), || EventKind::Started { generation });
    log!(debug, child = %run.path(), generation, "child started");
    Launched::Running(task)
}

/// A worker's init phase, begun: tried once here, as most inits finish at their first poll, so
/// that no waiting future is built for them.
#[inline(always)]
pub(crate) fn init_begun(mut init: InitFuture, run: &Arc<Run>, events: &EventBus) -> Launched {
    let generation = run.generation();
    events.emit(|| run.path().clone(), || EventKind::Started { generation });
    // Without a waker: one that is not done is polled again, with the caller's, by `wait`.
    let mut no_waker = std::task::Context::from_waker(Waker::noop());
    match init.as_mut().poll(&mut no_waker) {
        Poll::Ready(Ok(task)) => {
            log!(debug, child = %run.path(), generation, "child started");
            Launched::Running(task)
        }
        Poll::Ready(Err(InitEnd::Ended(reason))) => Launched::Failed(init_failure(reason)),
        Poll::Ready(Err(InitEnd::Ignored)) => ignored(run, events),
        Poll::Pending => {
            log!(debug, child = %run.path(), generation, "child started, waiting for it");
            Launched::Waiting(WaitOn::Init(init))
        }
    }
}

/// [`launch_worker`] of a worker that signals readiness: its start, then a wait for it.
#[inline(never)]
fn launch_ready(
    inner: &WorkerStart,
    args: SpawnArgs,
    run: &Arc<Run>,
    events: &EventBus,
) -> Launched {
    // Its task does not park (see `worker_start::spawn_run`).
    then_ready(launch_worker(inner, args, run, events, &mut None), run)
}

/// What a start of a worker that signals readiness waits for once it has begun: a running run
/// until it says it is ready, an init phase and then that.
pub(crate) fn then_ready(launched: Launched, run: &Arc<Run>) -> Launched {
    match launched {
        Launched::Running(task) if run.is_ready() => Launched::Running(task),
        Launched::Running(task) => Launched::Waiting(WaitOn::Ready(task)),
        Launched::Waiting(WaitOn::Init(init)) => Launched::Waiting(WaitOn::InitThenReady(init)),
        other => other,
    }
}

/// A pool of `n` partitions: a `one_for_one` supervisor of them, named `p0`, `p1`, …, with the
/// pool's intensity (Elixir's `PartitionSupervisor`), which stops them all at once: a pool's
/// instances are all asked to stop at once, whichever partition holds them.
fn partitions(name: &str, kind: &Arc<PoolKind>, n: usize) -> SupervisorSpec {
    let intensity = kind.settings.intensity;
    let mut spec = SupervisorSpec::new(name)
        .intensity(intensity.max_restarts, intensity.period)
        .children((0..n).map(|p| ChildSpec {
            name: Arc::from(format!("p{p}")),
            restart: Restart::Permanent,
            shutdown: Shutdown::Infinity,
            options: None,
            kind: ChildKind::Pool(PoolChild {
                kind: kind.clone(),
                partition: Some((p, n)),
            }),
        }));
    spec.stops_at_once = true;
    spec
}

/// The waiting part of a start (see [`launch`]): the run's task once it is ready. If
/// `stop_requested` completes first, the run is stopped with its `shutdown` and the start is
/// interrupted.
pub(crate) async fn wait(
    on: WaitOn,
    run: Arc<Run>,
    shutdown: Shutdown,
    stop_requested: Pin<&mut (dyn Future<Output = ()> + Send)>,
    start_timeout: Option<Duration>,
    events: &EventBus,
) -> Result<TaskHandle, WaitFailed> {
    // What cuts the wait short: a stop request, or the start timeout running out. Either
    // way the run is stopped with its shutdown.
    let deadline = start_timeout.map(|limit| (Instant::now() + limit, limit));
    let cut = async move {
        match deadline {
            Some((at, limit)) => tokio::select! {
                biased;
                _ = stop_requested => Cut::Stop,
                _ = tokio::time::sleep_until(at) => Cut::TimedOut(limit),
            },
            None => {
                stop_requested.await;
                Cut::Stop
            }
        }
    };
    tokio::pin!(cut);
    let mut stop_requested = cut;
    match on {
        WaitOn::Init(init) => wait_init(init, &run, shutdown, stop_requested, events).await,
        WaitOn::InitThenReady(init) => {
            let task = wait_init(init, &run, shutdown, stop_requested.as_mut(), events).await?;
            wait_ready(task, run, shutdown, stop_requested, events).await
        }
        WaitOn::Ready(task) => wait_ready(task, run, shutdown, stop_requested, events).await,
        WaitOn::Supervisor(task, ready_rx) => {
            let outcome = tokio::select! {
                biased;
                outcome = ready_rx => outcome,
                cut = stop_requested => {
                    stop_one(task, run, shutdown, events).await;
                    return Err(cut.failed());
                }
            };
            match outcome {
                // Its mailbox is also in its run, where commands find it.
                Ok(Ok(_mailbox)) => Ok(task),
                Ok(Err(error)) => {
                    let _ = task.await;
                    let failure = match &error {
                        StartError::ChildFailed { failure, .. } => failure.clone(),
                        other => Failure::new(FailureKind::StartFailed, other.to_string()),
                    };
                    Err(WaitFailed::Nested(error, failure))
                }
                Err(_) => {
                    let _ = task.await;
                    let reason = run.exit_reason();
                    Err(WaitFailed::Failed(Failure::new(
                        FailureKind::StartFailed,
                        reason.to_string(),
                    )))
                }
            }
        }
    }
}

/// Waits for a worker's init phase, polled here.
async fn wait_init(
    mut init: InitFuture,
    run: &Run,
    shutdown: Shutdown,
    stop_requested: Pin<&mut (dyn Future<Output = Cut> + Send)>,
    events: &EventBus,
) -> Result<TaskHandle, WaitFailed> {
    let outcome = tokio::select! {
        biased;
        outcome = &mut init => outcome,
        cut = stop_requested => {
            stop_init(init, run, shutdown, events).await;
            return Err(cut.failed());
        }
    };
    match outcome {
        Ok(task) => Ok(task),
        Err(InitEnd::Ended(reason)) => Err(WaitFailed::Failed(init_failure(reason))),
        Err(InitEnd::Ignored) => {
            ignored(run, events);
            Err(WaitFailed::Ignored)
        }
    }
}

/// Waits until a worker's run says it is ready, or ends first (a failed start).
async fn wait_ready(
    task: TaskHandle,
    run: Arc<Run>,
    shutdown: Shutdown,
    mut stop_requested: Pin<&mut (dyn Future<Output = Cut> + Send)>,
    events: &EventBus,
) -> Result<TaskHandle, WaitFailed> {
    loop {
        let interrupted = {
            let changed = run.ready_changed();
            tokio::pin!(changed);
            // Registered before the checks: a change made after them wakes this wait.
            changed.as_mut().enable();
            if run.is_ready() {
                return Ok(task);
            }
            if let Some(reason) = run.ended_reason() {
                let _ = task.await;
                let failure = match reason {
                    ExitReason::Failed(failure) => failure,
                    other => Failure::new(
                        FailureKind::StartFailed,
                        format!("its run ended before it said it was ready: {other}"),
                    ),
                };
                return Err(WaitFailed::Failed(failure));
            }
            tokio::select! {
                biased;
                _ = changed => None,
                cut = stop_requested.as_mut() => Some(cut),
            }
        };
        if let Some(cut) = interrupted {
            stop_one(task, run, shutdown, events).await;
            return Err(cut.failed());
        }
    }
}

/// Stops a run in its init phase, which runs in the caller's task: asks it to stop and polls
/// the init on for as long as its shutdown allows, then drops it (the run is killed).
async fn stop_init(mut init: InitFuture, run: &Run, shutdown: Shutdown, events: &EventBus) {
    run.request_stop();
    let finished = match shutdown {
        Shutdown::Brutal => None,
        Shutdown::Infinity => Some((&mut init).await),
        Shutdown::Timeout(limit) => tokio::time::timeout(limit, &mut init).await.ok(),
    };
    let reason = match finished {
        None => ExitReason::Killed,
        Some(Err(InitEnd::Ended(reason))) => reason,
        // It decided not to run rather than stop: the stop it was asked for, all the same.
        Some(Err(InitEnd::Ignored)) => ExitReason::Shutdown,
        // Not reached: an init that ends after the request does not spawn its run phase.
        Some(Ok(task)) => {
            task.abort();
            let _ = task.await;
            run.exit_reason()
        }
    };
    // Dropped here, in the caller's task: a panic in the worker's `Drop` is its failure.
    let reason = match child::caught(move || drop(init)) {
        Ok(()) => reason,
        Err(panic) => reason.then_drop_panicked(panic),
    };
    log!(debug, child = %run.path(), %reason, "child stopped in its init phase");
    events.emit(|| run.path().clone(), || EventKind::Exited { reason });
}

/// A run whose init decided not to run: logged and announced.
fn ignored(run: &Run, events: &EventBus) -> Launched {
    let generation = run.generation();
    log!(info, child = %run.path(), generation, "child ignored its start");
    events.emit(|| run.path().clone(), || EventKind::Ignored { generation });
    Launched::Ignored
}

/// The failure of a start whose init phase ended the run.
pub(crate) fn init_failure(reason: ExitReason) -> Failure {
    match reason {
        ExitReason::Failed(failure) => failure,
        other => Failure::new(FailureKind::StartFailed, other.to_string()),
    }
}

/// Stops one run that is not among the caller's children (yet) and waits for its end.
async fn stop_one(task: TaskHandle, run: Arc<Run>, shutdown: Shutdown, events: &EventBus) {
    StopChain::run(
        vec![StopLink {
            run,
            task,
            shutdown,
        }],
        events,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{Context, Worker, WorkerResult};

    #[derive(Clone)]
    struct Idle;

    impl Worker for Idle {
        async fn run(&mut self, ctx: &Context) -> WorkerResult {
            ctx.shutdown_requested().await;
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_chain_of_nested_supervisors_keeps_copies_of_its_specs_linear_in_its_depth() {
        // Every level has a worker child, all of them copies of one spec: its factory's
        // reference count is how many copies of a worker spec the running tree keeps. A level
        // that copies its whole subtree keeps depth²/2 of them.
        const DEPTH: usize = 200;
        let worker = ChildSpec::from_value("w", Idle);
        let ChildKind::Worker(WorkerStart::Spawn(factory)) = &worker.kind else {
            panic!("a worker without an init phase is spawned");
        };
        let factory = factory.clone();
        let mut spec = SupervisorSpec::new("s").child(worker.clone());
        for _ in 0..DEPTH {
            spec = SupervisorSpec::new("s")
                .child(worker.clone())
                .child(ChildSpec::supervisor(spec));
        }
        drop(worker);
        let declared = Arc::strong_count(&factory) - 1;
        assert_eq!(declared, DEPTH + 1);

        let tree = spec.start().await.unwrap();
        let kept = Arc::strong_count(&factory) - 1;
        // The spec as declared, and what each running supervisor holds of its own children.
        assert!(
            kept <= 2 * declared,
            "a running chain of {DEPTH} levels keeps {kept} copies of its {declared} worker specs"
        );
        tree.shutdown().await.unwrap();
        assert_eq!(
            Arc::strong_count(&factory),
            1,
            "nothing kept after the tree"
        );
    }
}
