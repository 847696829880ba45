//! The supervisor: one task per supervisor that owns its children's state, starts them in order,
//! restarts them by its strategy within its intensity, and stops them in reverse order.
//!
//! A supervisor never polls its children: it waits on one mailbox, where its children's exits,
//! its handles' commands, its own retries and the request to stop arrive in order, and handles
//! one message at a time, as an OTP supervisor handles its mailbox. Its children's tasks report
//! to it (`child`); a stop of several children runs as a chain of their own tasks (`stop`).
//!
//! Starting a child is `launch` (spawn, or begin an init phase or a nested supervisor) and, only
//! if the start has to be waited for, `finish_start`; a restart likewise is decided by `restart`
//! and, only if it waits, finished by `finish_restart`. The common case, a worker without an init
//! phase, so builds no future at all (see "Changes made for speed" in BENCHMARKS.md).

pub(crate) mod child;
pub(crate) mod command;
mod intensity;
pub(crate) mod mailbox;
mod stop;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use tracing::Instrument;

use crate::error::{ChildError, StartError};
use crate::event::{EventBus, EventKind};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::handle::{ChildCounts, ChildInfo, FailureRecord, Phase, Tree};
use crate::path::{ChildPath, ChildRef};
use crate::spec::{
    ChildKind, ChildSpec, ChildType, InitFuture, Restart, Strategy, SupervisorSpec, WorkerStart,
    check_name,
};
use child::{ChildExit, Owner, Run, SpawnArgs, TaskHandle};
use command::{Command, Mail, Op};
use intensity::RestartWindow;
use mailbox::{MailReceiver, MailSender};
use stop::{StopChain, StopLink};

/// What a starting supervisor tells whoever started it: its command channel once all its
/// children are up, or why it could not start them.
type ReadyReply = oneshot::Sender<Result<MailSender, StartError>>;

/// Tombstones of removed children are dropped once there are this many, and at least as many as
/// live children.
const COMPACT_AT: usize = 32;

/// The reaping list is first swept of finished tasks when it reaches this length.
const REAP_BATCH: usize = 64;

impl SupervisorSpec {
    /// Checks the spec, starts the tree (children one after another in start order, each init
    /// finishing before the next starts) and returns once all are running.
    ///
    /// If a child fails to start, the children started before it are stopped in reverse start
    /// order and the error names the failed child's full path.
    pub async fn start(mut self) -> Result<Tree, StartError> {
        self.validate()?;
        let events = self.events.take().unwrap_or_else(EventBus::new);
        let path = ChildPath::root(&self.name);
        let run = Run::root(path.clone());
        let (ready_tx, ready_rx) = oneshot::channel();
        events.emit(|| path.clone(), || EventKind::Started { generation: 0 });
        let task = spawn_supervisor(self, run.clone(), events.clone(), ready_tx);
        let outcome = ready_rx.await;
        match outcome {
            Ok(Ok(cmd)) => Ok(Tree::new(path, cmd, run, events, task)),
            Ok(Err(error)) => {
                let _ = task.await;
                Err(error)
            }
            Err(_) => {
                let reason = child::joined_reason(task.await);
                let failure = reason.failure().cloned().unwrap_or_else(|| {
                    Failure::new(FailureKind::StartFailed, format!("root ended: {reason}"))
                });
                Err(StartError::ChildFailed { path, failure })
            }
        }
    }
}

fn spawn_supervisor(
    spec: SupervisorSpec,
    run: Arc<Run>,
    events: EventBus,
    ready: ReadyReply,
) -> JoinHandle<ExitReason> {
    let span = tracing::info_span!(parent: None, "supervisor", path = %run.path());
    tokio::spawn(supervise(spec, run, events, ready, true).instrument(span))
}

/// The whole life of one supervisor, as a future.
async fn supervise(
    spec: SupervisorSpec,
    run: Arc<Run>,
    events: EventBus,
    ready: ReadyReply,
    is_root: bool,
) -> ExitReason {
    let mut sup = Supervisor::new(spec, run, events);
    if let Err(error) = sup.start_all().await {
        let reason = match &error {
            // Asked to stop while starting: that is a shutdown, not a failure.
            StartError::Interrupted { .. } => ExitReason::Shutdown,
            _ => ExitReason::Failed(Failure::new(FailureKind::StartFailed, error.to_string())),
        };
        let _ = ready.send(Err(error));
        return reason;
    }
    if is_root {
        // A nested supervisor's readiness is announced by its parent, as for any child.
        sup.events
            .emit(|| sup.path.clone(), || EventKind::Ready { generation: 0 });
    }
    let _ = ready.send(Ok(sup.mail_tx.clone()));
    sup.run().await
}

/// A nested supervisor's life as a boxed `Send` future: the box breaks the type cycle of a
/// supervisor starting supervisors.
fn supervise_boxed(
    spec: SupervisorSpec,
    run: Arc<Run>,
    events: EventBus,
    ready: ReadyReply,
) -> crate::spec::ChildFuture {
    Box::pin(supervise(spec, run, events, ready, false))
}

/// One child slot of a supervisor.
struct Child {
    /// Stable identity of the slot, carried by exit messages (positions shift on delete).
    key: u64,
    spec: ChildSpec,
    state: State,
    starts: u64,
    restarts: u64,
    /// Boxed: most children never fail, and a slot is kept for every child.
    last_failure: Option<Box<FailureRecord>>,
}

enum State {
    Running(Running),
    Restarting,
    Stopped,
    /// The slot of a deleted spec or of a temporary child that ended, dropped at the next
    /// compaction (see `Supervisor::remove`).
    Removed,
}

struct Running {
    task: TaskHandle,
    /// Its generation, and a nested supervisor's mailbox.
    run: Arc<Run>,
}

impl Child {
    /// Whether this slot is a tombstone (see `Supervisor::remove`).
    fn is_removed(&self) -> bool {
        matches!(self.state, State::Removed)
    }

    fn info(&self, parent: &ChildPath) -> ChildInfo {
        ChildInfo {
            path: parent.join(&self.spec.name),
            child_type: self.spec.child_type(),
            phase: match self.state {
                State::Running(_) => Phase::Running,
                State::Restarting => Phase::Restarting,
                // A removed slot is never listed.
                State::Stopped | State::Removed => Phase::Stopped,
            },
            restart: self.spec.restart,
            shutdown: self.spec.shutdown,
            starts: self.starts,
            restart_count: self.restarts,
            last_failure: self.last_failure.as_deref().cloned(),
        }
    }

    fn record_failure(&mut self, reason: ExitReason, at: Instant) {
        let failure = match reason {
            ExitReason::Failed(f) => f,
            ExitReason::Killed => Failure::new(FailureKind::Error, "killed"),
            _ => return,
        };
        self.set_last_failure(failure, at);
    }

    /// Records a failure, reusing the box of the previous one: a child failing again and again
    /// allocates once.
    fn set_last_failure(&mut self, failure: Failure, at: Instant) {
        let record = FailureRecord { failure, at };
        match &mut self.last_failure {
            Some(last) => **last = record,
            None => self.last_failure = Some(Box::new(record)),
        }
    }
}

/// A start after its part that needs no waiting (see `Supervisor::launch`).
enum Launch {
    /// The child is running.
    Done,
    /// The child could not be started: its worker's factory panicked, or its init phase
    /// failed at its first poll.
    Failed(Failure),
    /// The start waits for the child.
    Waiting(Waiting),
}

struct Waiting {
    run: Arc<Run>,
    on: WaitOn,
}

enum WaitOn {
    /// A worker's init phase, which runs here.
    Init(InitFuture),
    /// A nested supervisor starting its own children; it says when it is ready.
    Supervisor(
        TaskHandle,
        oneshot::Receiver<Result<MailSender, StartError>>,
    ),
}

/// What a restart still has to do once it has been decided (see `Supervisor::restart`).
enum Pending {
    Nothing,
    /// The start of a lone child, to wait for.
    Start(usize, Waiting),
    /// The children to stop and start again, in start order.
    Group(std::ops::Range<usize>),
}

/// Why the supervisor must stop now.
enum Stop {
    /// Its intensity was exceeded.
    Failed(Failure),
    /// It was asked to shut down in the middle of something.
    Interrupted,
}

struct Supervisor {
    path: ChildPath,
    strategy: Strategy,
    window: RestartWindow,
    max_restarts: u32,
    period: std::time::Duration,
    children: Vec<Child>,
    /// Child keys by name (keys, unlike positions, survive a removal), built when a handle call
    /// first names a child: a tree that is only started and stopped never pays for it.
    by_name: Option<foldhash::HashMap<Arc<str>, u64>>,
    next_key: u64,
    /// How many slots are tombstones of removed children.
    removed: usize,
    /// Completes when the supervisor is asked to stop. One future for its whole life, so the
    /// many waits on it register with the token once, not once per message.
    shutdown_requested: Pin<Box<dyn Future<Output = ()> + Send>>,
    events: EventBus,
    /// The supervisor's own run: whether it was asked to stop before its main loop began.
    run: Arc<Run>,
    mail_tx: MailSender,
    /// Shared by the runs of its children: its path and mailbox.
    owner: Arc<Owner>,
    /// The run of the child that last exited by itself, whose allocation the next start reuses
    /// when its task has let go of it (a restart then allocates one block less).
    spare_run: Option<Arc<Run>>,
    mail_rx: MailReceiver,
    /// Tasks of runs that already reported their exit; awaited before the supervisor ends so no
    /// task of the tree outlives it.
    reaping: Vec<TaskHandle>,
    /// The length at which `reaping` is next swept: twice what a sweep left, so sweeping stays
    /// amortized O(1) per exit even when many tasks are slow to finish.
    reap_at: usize,
}

impl Supervisor {
    fn new(spec: SupervisorSpec, run: Arc<Run>, events: EventBus) -> Self {
        let (mail_tx, mail_rx) = mailbox::mailbox();
        run.post_stop_to(mail_tx.clone());
        let mut sup = Supervisor {
            path: run.path().clone(),
            strategy: spec.strategy,
            window: RestartWindow::new(spec.intensity),
            max_restarts: spec.intensity.max_restarts,
            period: spec.intensity.period,
            children: Vec::with_capacity(spec.children.len()),
            by_name: None,
            next_key: 0,
            removed: 0,
            shutdown_requested: {
                let run = run.clone();
                Box::pin(async move { run.stop_requested().await })
            },
            events,
            run: run.clone(),
            owner: Arc::new(Owner {
                path: run.path().clone(),
                mailbox: mail_tx.clone(),
            }),
            spare_run: None,
            mail_tx,
            mail_rx,
            reaping: Vec::new(),
            reap_at: REAP_BATCH,
        };
        for child in spec.children {
            sup.push(child);
        }
        sup
    }

    /// The full path of child `i`, joined on demand: most runs never need it.
    fn child_path(&self, i: usize) -> ChildPath {
        self.path.join(&self.children[i].spec.name)
    }

    /// Appends a child slot, last in start order. Keys only grow, so the slots stay sorted by
    /// key, which [`locate`](Self::locate) relies on.
    fn push(&mut self, spec: ChildSpec) -> usize {
        let index = self.children.len();
        let key = self.next_key;
        self.next_key += 1;
        if let Some(by_name) = &mut self.by_name {
            by_name.insert(spec.name.clone(), key);
        }
        self.children.push(Child {
            key,
            spec,
            state: State::Stopped,
            starts: 0,
            restarts: 0,
            last_failure: None,
        });
        index
    }

    /// Removes a stopped child slot (a deleted spec, or a temporary child that ended) in O(1):
    /// the slot stays as a tombstone, so no position moves while a message is being handled;
    /// [`compact`](Self::compact) drops the tombstones between messages. The spec's worker
    /// factory, which may hold the user's resources, is dropped at once.
    fn remove(&mut self, index: usize) {
        let child = &mut self.children[index];
        if let Some(by_name) = &mut self.by_name {
            by_name.remove(&child.spec.name);
        }
        child.state = State::Removed;
        child.spec.kind = ChildKind::removed();
        child.last_failure = None;
        self.removed += 1;
    }

    /// Drops the tombstones of removed slots once they are at least half of all slots, so
    /// removals cost amortized O(1). Positions move: exits still find their child by key (see
    /// [`locate`](Self::locate)), and the name index holds keys.
    fn compact(&mut self) {
        if self.removed >= COMPACT_AT && self.removed * 2 >= self.children.len() {
            self.children.retain(|c| !c.is_removed());
            self.removed = 0;
        }
    }

    /// The child slots that are not removed, with their positions, in start order.
    fn live(&self) -> impl Iterator<Item = (usize, &Child)> {
        self.children
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_removed())
    }

    /// The position of the child called `name`.
    fn index_of(&mut self, name: &str) -> Option<usize> {
        if self.by_name.is_none() {
            let index = self
                .live()
                .map(|(_, c)| (c.spec.name.clone(), c.key))
                .collect();
            self.by_name = Some(index);
        }
        let key = *self.by_name.as_ref()?.get(name)?;
        self.position(key)
    }

    /// The position of the child with `key`, which was at `slot` when it was started: still
    /// there unless a child before it was removed, else found by binary search (the slots are
    /// sorted by key).
    fn locate(&self, slot: usize, key: u64) -> Option<usize> {
        match self.children.get(slot) {
            Some(child) if child.key == key => Some(slot),
            _ => self.position(key),
        }
    }

    /// The position of the child with `key`: the slots are sorted by key.
    fn position(&self, key: u64) -> Option<usize> {
        self.children.binary_search_by_key(&key, |c| c.key).ok()
    }

    /// Keeps the task of a run that reported its exit until it has ended.
    fn reap(&mut self, task: TaskHandle) {
        self.reaping.push(task);
        if self.reaping.len() >= self.reap_at {
            self.reaping.retain(|t| !t.is_finished());
            self.reap_at = (self.reaping.len() * 2).max(REAP_BATCH);
        }
    }

    /// Starts every child in start order; on a failure, stops those already started in reverse
    /// order.
    async fn start_all(&mut self) -> Result<(), StartError> {
        for i in 0..self.children.len() {
            let started = match self.launch(i) {
                Launch::Done => Ok(()),
                waiting => self.finish_start(i, waiting).await,
            };
            if let Err(error) = started {
                self.stop_all().await;
                return Err(error);
            }
        }
        Ok(())
    }

    /// Starts one run of child `i` and, if it has an init phase (or is a supervisor), waits for
    /// it to finish. A shutdown request while waiting aborts the start.
    ///
    /// Hot paths call [`launch`](Self::launch) and [`finish_start`](Self::finish_start)
    /// themselves, so a child that needs no waiting never builds the waiting future (hundreds of
    /// bytes, moved on every call).
    async fn start(&mut self, i: usize) -> Result<(), StartError> {
        match self.launch(i) {
            Launch::Done => Ok(()),
            waiting => self.finish_start(i, waiting).await,
        }
    }

    /// The part of a start that needs no waiting: a new run of child `i`, spawned (a worker
    /// without an init phase, or whose init finished at its first poll, is then running) or
    /// with its init phase or nested supervisor's start to wait for.
    fn launch(&mut self, i: usize) -> Launch {
        let child = &mut self.children[i];
        let generation = child.starts;
        child.starts += 1;
        let spare = self.spare_run.take();
        let run = Run::new_in(
            spare,
            &self.owner,
            &child.spec.name,
            generation,
            child.restarts,
        );
        // A root span: the path already says where the child sits in the tree.
        let span = tracing::info_span!(parent: None, "child", path = %run.path(), generation);
        let args = SpawnArgs {
            run: run.clone(),
            slot: i,
            key: child.key,
            span: child::child_span(span),
        };
        let events = &self.events;
        match &child.spec.kind {
            ChildKind::Worker(WorkerStart::Spawn(start)) => {
                let task = match start(args) {
                    Ok(task) => task,
                    Err(failure) => return Launch::Failed(failure),
                };
                events.emit(|| run.path().clone(), || EventKind::Started { generation });
                tracing::debug!(child = %run.path(), generation, "child started");
                self.running(i, task, run);
                Launch::Done
            }
            ChildKind::Worker(WorkerStart::Init(start)) => {
                let mut init = match start(args) {
                    Ok(init) => init,
                    Err(failure) => return Launch::Failed(failure),
                };
                events.emit(|| run.path().clone(), || EventKind::Started { generation });
                // Most inits finish at their first poll: tried here, so that no waiting future
                // is built for them. Without a waker: one that is not done is polled again, with
                // the supervisor's, by `finish_start`.
                let mut no_waker = std::task::Context::from_waker(Waker::noop());
                match init.as_mut().poll(&mut no_waker) {
                    Poll::Ready(Ok(task)) => {
                        tracing::debug!(child = %run.path(), generation, "child started");
                        self.running(i, task, run);
                        Launch::Done
                    }
                    Poll::Ready(Err(reason)) => Launch::Failed(init_failure(reason)),
                    Poll::Pending => {
                        tracing::debug!(child = %run.path(), generation, "child started, waiting for it");
                        Launch::Waiting(Waiting {
                            run,
                            on: WaitOn::Init(init),
                        })
                    }
                }
            }
            ChildKind::Supervisor(spec) => {
                let (ready_tx, ready_rx) = oneshot::channel();
                let spec = (**spec).clone();
                let fut = supervise_boxed(spec, run.clone(), events.clone(), ready_tx);
                let task = child::spawn(fut, args);
                events.emit(|| run.path().clone(), || EventKind::Started { generation });
                tracing::debug!(child = %run.path(), generation, "child started, waiting for it");
                Launch::Waiting(Waiting {
                    run,
                    on: WaitOn::Supervisor(task, ready_rx),
                })
            }
        }
    }

    /// The waiting part of a start (see [`launch`](Self::launch)).
    async fn finish_start(&mut self, i: usize, launch: Launch) -> Result<(), StartError> {
        let Waiting { run, on } = match launch {
            Launch::Done => return Ok(()),
            Launch::Failed(failure) => return Err(self.start_failed(i, failure)),
            Launch::Waiting(waiting) => waiting,
        };
        let shutdown = self.children[i].spec.shutdown;
        let task = match on {
            WaitOn::Init(mut init) => {
                let outcome = tokio::select! {
                    biased;
                    outcome = &mut init => outcome,
                    _ = self.shutdown_requested.as_mut() => {
                        stop_init(init, &run, shutdown, &self.events).await;
                        return Err(StartError::Interrupted { path: self.path.clone() });
                    }
                };
                match outcome {
                    Ok(task) => task,
                    Err(reason) => return Err(self.start_failed(i, init_failure(reason))),
                }
            }
            WaitOn::Supervisor(task, ready_rx) => {
                let outcome = tokio::select! {
                    biased;
                    outcome = ready_rx => outcome,
                    _ = self.shutdown_requested.as_mut() => {
                        stop_one(task, run, shutdown, &self.events).await;
                        return Err(StartError::Interrupted { path: self.path.clone() });
                    }
                };
                match outcome {
                    // Its mailbox is also in its run, where commands find it.
                    Ok(Ok(_mailbox)) => task,
                    Ok(Err(error)) => {
                        let _ = task.await;
                        let failure = match &error {
                            StartError::ChildFailed { failure, .. } => failure.clone(),
                            other => Failure::new(FailureKind::StartFailed, other.to_string()),
                        };
                        self.record_start_failure(i, failure);
                        return Err(error);
                    }
                    Err(_) => {
                        let _ = task.await;
                        let reason = run.exit_reason();
                        let failure = Failure::new(FailureKind::StartFailed, reason.to_string());
                        return Err(self.start_failed(i, failure));
                    }
                }
            }
        };
        self.running(i, task, run);
        Ok(())
    }

    /// Child `i` has started: it is ready and running.
    fn running(&mut self, i: usize, task: TaskHandle, run: Arc<Run>) {
        let generation = run.generation;
        self.events
            .emit(|| run.path().clone(), || EventKind::Ready { generation });
        self.children[i].state = State::Running(Running { task, run });
    }

    fn record_start_failure(&mut self, i: usize, failure: Failure) {
        tracing::error!(child = %self.child_path(i), %failure, "child failed to start");
        self.events.emit(
            || self.child_path(i),
            || EventKind::StartFailed {
                failure: failure.clone(),
            },
        );
        self.children[i].set_last_failure(failure, Instant::now());
    }

    fn start_failed(&mut self, i: usize, failure: Failure) -> StartError {
        self.record_start_failure(i, failure.clone());
        StartError::ChildFailed {
            path: self.child_path(i),
            failure,
        }
    }

    /// Stops the running ones among the children at `order`, one after another in that order,
    /// each with its shutdown spec and ended before the next is asked, and reports how each
    /// ended.
    async fn stop(&mut self, order: impl IntoIterator<Item = usize>) {
        let order = order.into_iter();
        let mut links = Vec::with_capacity(order.size_hint().0);
        let mut stopped = Vec::with_capacity(order.size_hint().0);
        for i in order {
            let child = &mut self.children[i];
            if let State::Running(run) = std::mem::replace(&mut child.state, State::Stopped) {
                links.push(StopLink {
                    run: run.run,
                    task: run.task,
                    shutdown: child.spec.shutdown,
                });
                stopped.push(i);
            }
        }
        if links.is_empty() {
            return;
        }
        let reasons = StopChain::run(links, &self.events).await;
        for (i, reason) in stopped.into_iter().zip(reasons) {
            if let Some(reason) = reason {
                self.report_stopped(i, &reason);
            }
        }
    }

    fn report_stopped(&self, i: usize, reason: &ExitReason) {
        let child = &self.children[i];
        // OTP's shutdown_error report: anything but the exit the shutdown asked for.
        let expected = match reason {
            ExitReason::Shutdown | ExitReason::Normal => true,
            ExitReason::Killed => child.spec.shutdown == crate::spec::Shutdown::Brutal,
            ExitReason::Failed(_) => false,
        };
        if expected {
            tracing::debug!(child = %self.path.join(&child.spec.name), %reason, "child stopped");
        } else {
            tracing::warn!(child = %self.path.join(&child.spec.name), %reason, "child did not stop cleanly");
        }
    }

    /// Stops every child in reverse start order, then waits for the tasks of earlier runs.
    async fn stop_all(&mut self) {
        self.stop((0..self.children.len()).rev()).await;
        for task in self.reaping.drain(..) {
            let _ = task.await;
        }
    }

    /// The main loop, once all children have started.
    async fn run(mut self) -> ExitReason {
        // A stop request made before the mailbox was known is only in the flag.
        let outcome = if self.run.is_stop_requested() {
            ExitReason::Shutdown
        } else {
            loop {
                // Between messages no position is held: tombstones may go.
                self.compact();
                let mail = self.mail_rx.recv().await;
                // Restarts are decided, and mostly done, without building a future: only one
                // that waits (for a group of children, an init phase, a nested supervisor)
                // builds the future of `finish_restart`.
                let pending = match mail {
                    Mail::Stop => break ExitReason::Shutdown,
                    Mail::Exited(exit) => match self.on_exit(exit) {
                        Some((i, now)) => self.restart(i, now),
                        None => Ok(Pending::Nothing),
                    },
                    Mail::TryAgain { slot, key } => self.try_again(slot, key),
                    Mail::Command(command) => {
                        self.on_command(command).await.map(|()| Pending::Nothing)
                    }
                };
                let result = match pending {
                    Ok(Pending::Nothing) => Ok(()),
                    Ok(pending) => self.finish_restart(pending).await,
                    Err(stop) => Err(stop),
                };
                match result {
                    Ok(()) => {}
                    Err(Stop::Interrupted) => break ExitReason::Shutdown,
                    Err(Stop::Failed(failure)) => break ExitReason::Failed(failure),
                }
            }
        };
        tracing::info!(reason = %outcome, "supervisor shutting down");
        self.events
            .emit(|| self.path.clone(), || EventKind::ShuttingDown);
        self.stop_all().await;
        outcome
    }

    /// A child's task ended by itself: decide, as OTP's `do_restart` does. Returns the child to
    /// restart, if any, and the time of its exit.
    fn on_exit(&mut self, exit: ChildExit) -> Option<(usize, Instant)> {
        let i = self.locate(exit.slot, exit.key)?;
        let child = &mut self.children[i];
        match &child.state {
            State::Running(running) if running.run.generation == exit.generation => {}
            // An exit of a run that was stopped on purpose, or already replaced.
            _ => return None,
        }
        let State::Running(Running { task, mut run }) =
            std::mem::replace(&mut child.state, State::Stopped)
        else {
            return None;
        };
        // The task ends right after reporting its exit, so it has usually finished by now:
        // releasing it at once reuses its memory while it is still in cache.
        if task.is_finished() {
            drop(task);
        } else {
            self.reap(task);
        }
        let reason = Run::take_exit_reason(&mut run);
        self.spare_run = Some(run);
        let child = &mut self.children[i];

        if reason.is_abnormal() {
            tracing::error!(child = %self.path.join(&child.spec.name), %reason, "child terminated");
        } else {
            tracing::info!(child = %self.path.join(&child.spec.name), %reason, "child exited");
        }
        // One clock read per exit, shared by the failure record and the intensity window.
        let now = Instant::now();
        let restart = child.spec.restart;
        self.events.emit(
            || self.path.join(&child.spec.name),
            || EventKind::Exited {
                reason: reason.clone(),
            },
        );
        let restarts = restart.restarts_after(&reason);
        child.record_failure(reason, now);
        if !restarts {
            if restart == Restart::Temporary {
                self.remove(i);
            }
            return None;
        }
        Some((i, now))
    }

    /// One restart event for child `i` (which is not running): counts toward the intensity, then
    /// restarts the children the strategy names. A lone child is started here, and is running
    /// unless its start has to be waited for; the rest is left to
    /// [`finish_restart`](Self::finish_restart).
    fn restart(&mut self, i: usize, now: Instant) -> Result<Pending, Stop> {
        if !self.window.add(now) {
            let failure = Failure::new(
                FailureKind::IntensityExceeded,
                format!(
                    "reached max restart intensity ({} restarts within {:?})",
                    self.max_restarts, self.period
                ),
            );
            tracing::error!(child = %self.child_path(i), %failure, "supervisor giving up");
            let (max_restarts, period) = (self.max_restarts, self.period);
            self.events.emit(
                || self.path.clone(),
                || EventKind::IntensityExceeded {
                    max_restarts,
                    period,
                },
            );
            return Err(Stop::Failed(failure));
        }
        let affected = match self.strategy {
            Strategy::OneForOne => i..i + 1,
            Strategy::OneForAll => 0..self.children.len(),
            Strategy::RestForOne => i..self.children.len(),
        };
        let crashed_key = self.children[i].key;
        self.events.emit(
            || self.child_path(i),
            || EventKind::RestartDecided {
                children: self.children[affected.clone()]
                    .iter()
                    .filter(|c| !c.is_removed())
                    .filter(|c| c.spec.restart != Restart::Temporary || c.key == crashed_key)
                    .map(|c| self.path.join(&c.spec.name))
                    .collect(),
            },
        );
        tracing::info!(child = %self.child_path(i), strategy = ?self.strategy, count = affected.len(), "restarting");
        if affected.len() > 1 {
            return Ok(Pending::Group(affected));
        }
        // Only the child itself, which is not running: nothing to stop.
        self.children[i].restarts += 1;
        Ok(match self.launch(i) {
            Launch::Done => Pending::Nothing,
            Launch::Failed(failure) => {
                let error = self.start_failed(i, failure);
                self.restarted(i, Err(error))?;
                Pending::Nothing
            }
            Launch::Waiting(waiting) => Pending::Start(i, waiting),
        })
    }

    /// The part of a restart that waits: a lone child's start, or a group's stop and start.
    async fn finish_restart(&mut self, pending: Pending) -> Result<(), Stop> {
        let affected = match pending {
            Pending::Nothing => return Ok(()),
            Pending::Start(i, waiting) => {
                let started = self.finish_start(i, Launch::Waiting(waiting)).await;
                return self.restarted(i, started).map(|_| ());
            }
            Pending::Group(affected) => affected,
        };
        // Stop the others in reverse start order; temporary ones are dropped, never restarted
        // (their slots become tombstones, so no position in the range moves).
        self.stop(affected.clone().rev()).await;
        for j in affected.clone().rev() {
            let child = &self.children[j];
            if child.spec.restart == Restart::Temporary && !child.is_removed() {
                self.remove(j);
            }
        }
        for j in affected {
            if self.children[j].is_removed() {
                continue;
            }
            self.children[j].restarts += 1;
            let started = match self.launch(j) {
                Launch::Done => Ok(()),
                waiting => self.finish_start(j, waiting).await,
            };
            if !self.restarted(j, started)? {
                break;
            }
        }
        Ok(())
    }

    /// How a restart's start of child `j` went: whether it is running. A failed start is tried
    /// again later (OTP's `try_again`): the child waits as `restarting`, the supervisor goes back
    /// to its mailbox, and the retry counts toward the intensity.
    fn restarted(&mut self, j: usize, started: Result<(), StartError>) -> Result<bool, Stop> {
        match started {
            Ok(()) => Ok(true),
            Err(StartError::Interrupted { .. }) => Err(Stop::Interrupted),
            Err(_) => {
                self.children[j].state = State::Restarting;
                let key = self.children[j].key;
                let _ = self.mail_tx.send(Mail::TryAgain { slot: j, key });
                Ok(false)
            }
        }
    }

    /// OTP's `try_again_restart`: a restart that failed to start its child, tried again.
    fn try_again(&mut self, slot: usize, key: u64) -> Result<Pending, Stop> {
        match self.locate(slot, key) {
            Some(i) if matches!(self.children[i].state, State::Restarting) => {
                self.restart(i, Instant::now())
            }
            _ => Ok(Pending::Nothing),
        }
    }

    async fn on_command(&mut self, command: Command) -> Result<(), Stop> {
        let Command { target, depth, op } = command;
        let remaining = target.len() - depth;
        let here = if op.targets_supervisor() { 0 } else { 1 };
        if remaining < here {
            op.fail(ChildError::NotFound {
                path: self.path.clone(),
            });
            return Ok(());
        }
        if remaining > here {
            self.forward(Command { target, depth, op });
            return Ok(());
        }
        match op {
            Op::WhichChildren(reply) => {
                let _ = reply.send(Ok(self.live().map(|(_, c)| c.info(&self.path)).collect()));
            }
            Op::CountChildren(reply) => {
                let _ = reply.send(Ok(self.count()));
            }
            Op::StartChild(spec, reply) => {
                let result = self.start_new_child(*spec).await;
                let _ = reply.send(result);
            }
            Op::Info(reply) => {
                let result = self
                    .find(&target, depth)
                    .map(|i| self.children[i].info(&self.path));
                let _ = reply.send(result);
            }
            Op::Restart(reply) => {
                let result = self.restart_child(&target, depth).await;
                let _ = reply.send(result);
            }
            Op::Terminate(reply) => {
                let result = match self.find(&target, depth) {
                    Ok(i) => {
                        self.stop([i]).await;
                        self.children[i].state = State::Stopped;
                        if self.children[i].spec.restart == Restart::Temporary {
                            self.remove(i);
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
            Op::Delete(reply) => {
                let result = self.find(&target, depth).and_then(|i| {
                    let child = &self.children[i];
                    match child.state {
                        State::Running(_) => Err(ChildError::Running {
                            path: self.path.join(&child.spec.name),
                        }),
                        State::Restarting => Err(ChildError::Restarting {
                            path: self.path.join(&child.spec.name),
                        }),
                        State::Stopped => {
                            self.remove(i);
                            Ok(())
                        }
                        // Not found by name: never reached.
                        State::Removed => Err(ChildError::NotFound {
                            path: self.path.join(&child.spec.name),
                        }),
                    }
                });
                let _ = reply.send(result);
            }
        }
        Ok(())
    }

    /// The index of the child named by `target[depth]`.
    fn find(&mut self, target: &ChildRef, depth: usize) -> Result<usize, ChildError> {
        let name = target.segment(depth).map(|s| &**s).unwrap_or("");
        self.index_of(name).ok_or_else(|| ChildError::NotFound {
            path: self.path.join(name),
        })
    }

    /// Passes a command on to the nested supervisor on its path.
    fn forward(&mut self, command: Command) {
        let i = match self.find(&command.target, command.depth) {
            Ok(i) => i,
            Err(e) => return command.op.fail(e),
        };
        let child = &self.children[i];
        if child.spec.child_type() != ChildType::Supervisor {
            return command.op.fail(ChildError::NotASupervisor {
                path: self.path.join(&child.spec.name),
            });
        }
        let State::Running(Running { run, .. }) = &child.state else {
            return command.op.fail(ChildError::SupervisorNotRunning {
                path: self.path.join(&child.spec.name),
            });
        };
        let Some(commands) = run.mailbox() else {
            return command.op.fail(ChildError::SupervisorNotRunning {
                path: self.path.join(&child.spec.name),
            });
        };
        let forwarded = Command {
            depth: command.depth + 1,
            ..command
        };
        if let Err(Mail::Command(lost)) = commands.send(Mail::Command(forwarded)) {
            lost.op.fail(ChildError::SupervisorNotRunning {
                path: self.path.join(&child.spec.name),
            });
        }
    }

    fn count(&self) -> ChildCounts {
        let mut counts = ChildCounts {
            specs: self.children.len() - self.removed,
            ..ChildCounts::default()
        };
        for (_, child) in self.live() {
            match child.spec.child_type() {
                ChildType::Worker => counts.workers += 1,
                ChildType::Supervisor => counts.supervisors += 1,
            }
            if matches!(child.state, State::Running(_)) {
                counts.active += 1;
            }
        }
        counts
    }

    /// OTP's `restart_child`: starts a stopped child; not counted toward the intensity.
    async fn restart_child(&mut self, target: &ChildRef, depth: usize) -> Result<(), ChildError> {
        let i = self.find(target, depth)?;
        let child = &self.children[i];
        match child.state {
            State::Running(_) => Err(ChildError::Running {
                path: self.path.join(&child.spec.name),
            }),
            State::Restarting => Err(ChildError::Restarting {
                path: self.path.join(&child.spec.name),
            }),
            State::Stopped => self.start(i).await.map_err(|e| self.start_error(i, e)),
            // Not found by name: never reached.
            State::Removed => Err(ChildError::NotFound {
                path: self.path.join(&child.spec.name),
            }),
        }
    }

    fn start_error(&self, i: usize, error: StartError) -> ChildError {
        match error {
            StartError::ChildFailed { failure, .. } => ChildError::StartFailed {
                path: self.child_path(i),
                failure,
            },
            StartError::Spec(e) => ChildError::Spec(e),
            StartError::Interrupted { path } => ChildError::SupervisorNotRunning { path },
        }
    }

    /// OTP's `start_child`: adds a spec last in start order and starts it; a failed start
    /// discards the spec.
    async fn start_new_child(&mut self, spec: ChildSpec) -> Result<(), ChildError> {
        let path = self.path.join(&spec.name);
        check_name(&spec.name, || path.clone())?;
        if let Some(i) = self.index_of(&spec.name) {
            return Err(match self.children[i].state {
                State::Running(_) => ChildError::AlreadyStarted { path },
                _ => ChildError::AlreadyPresent { path },
            });
        }
        spec.validate(&path)?;
        let i = self.push(spec);
        match self.start(i).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = self.start_error(i, error);
                self.remove(i);
                Err(error)
            }
        }
    }
}

/// Stops a run in its init phase, which runs in the supervisor's task: asks it to stop and
/// polls the init on for as long as its shutdown allows, then drops it (the run is killed).
async fn stop_init(
    mut init: InitFuture,
    run: &Run,
    shutdown: crate::spec::Shutdown,
    events: &EventBus,
) {
    run.request_stop();
    let finished = match shutdown {
        crate::spec::Shutdown::Brutal => None,
        crate::spec::Shutdown::Infinity => Some((&mut init).await),
        crate::spec::Shutdown::Timeout(limit) => tokio::time::timeout(limit, &mut init).await.ok(),
    };
    let reason = match finished {
        None => ExitReason::Killed,
        Some(Err(reason)) => reason,
        // Not reached: an init that ends after the request does not spawn its run phase.
        Some(Ok(task)) => {
            task.abort();
            let _ = task.await;
            run.exit_reason()
        }
    };
    // Dropped here, in the supervisor's task: a panic in the worker's `Drop` is its failure.
    let reason = match child::caught(move || drop(init)) {
        Ok(()) => reason,
        Err(panic) => ExitReason::Failed(panic),
    };
    tracing::debug!(child = %run.path(), %reason, "child stopped in its init phase");
    events.emit(|| run.path().clone(), || EventKind::Exited { reason });
}

/// The failure of a start whose init phase ended the run.
fn init_failure(reason: ExitReason) -> Failure {
    match reason {
        ExitReason::Failed(failure) => failure,
        other => Failure::new(FailureKind::StartFailed, other.to_string()),
    }
}

/// Stops one run that is not in the supervisor's children (yet) and waits for its end.
async fn stop_one(
    task: TaskHandle,
    run: Arc<Run>,
    shutdown: crate::spec::Shutdown,
    events: &EventBus,
) {
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
