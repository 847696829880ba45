//! A pool (or one partition of it): the task that owns the instances started at run time, all
//! of one kind, as OTP's `simple_one_for_one` supervisor and Elixir's `DynamicSupervisor` do.
//!
//! It shares the rest of the runtime: a run starts as any child's does (`launch`), reports its
//! end to this pool's mailbox (`child`), is restarted within the pool's intensity
//! (`intensity`), and all instances stop at once when the pool stops (`stop`). "What happens
//! when an instance exits" is [`Pool::on_exit`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::time::Instant;

mod instances;

use instances::{Instance, Instances, State};

use super::child::{ChildExit, SpawnArgs, TaskHandle};
use super::command::{Command, InstanceStart, Mail, Op, PoolRequest};
use super::delay::{self, Delays};
use super::ended::{Reaper, report_exit};
use super::intensity::RestartWindow;
use super::launch::{self, Launched, WaitFailed};
use super::log::{self, log};
use super::mailbox::{self, MailReceiver, MailSender};
use super::run::{Owner, Run};
use super::stop::{StopChain, StopLink};
use super::watchdog;
use super::{ReadyReply, Stop};
use crate::backoff::Backoff;
use crate::error::ChildError;
use crate::event::{EventBus, EventKind};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::handle::{ChildCounts, ChildInfo, Phase};
use crate::path::ChildPath;
use crate::pool::{InstanceId, InstanceInfo, PoolError, PoolKind};
use crate::snapshot::Local;
use crate::spec::{ChildFuture, ChildType, Restart, Shutdown};

/// Partition `partition` of `partitions` of a pool, as a child's boxed future.
pub(crate) fn pool_boxed(
    kind: Arc<PoolKind>,
    partition: usize,
    partitions: usize,
    run: Arc<Run>,
    events: EventBus,
    ready: ReadyReply,
) -> ChildFuture {
    Box::pin(async move {
        let pool = Pool::new(kind, partition, partitions, run, events);
        // Ready at once: a pool starts with no instances.
        pool.kind
            .cell
            .publish(partition, Some(pool.mail_tx.clone()));
        let _ = ready.send(Ok(pool.mail_tx.clone()));
        pool.run().await
    })
}

/// A run whose start waits: for its init phase, or until it says it is ready.
struct Waiting {
    on: launch::WaitOn,
    run: Arc<Run>,
}

/// What a restart leaves to do once its part that needs no waiting is done: nothing, or the
/// wait for the new run of the instance at that slot.
type Restarted = Result<Option<(usize, Waiting)>, Stop>;

/// Why a start of an instance's run did not end with it running.
enum StartFailed {
    /// The pool was asked to stop while waiting for it.
    Interrupted,
    Failed(Failure),
    /// Its init decided not to run (OTP's `ignore`).
    Ignored,
}

struct Pool {
    path: ChildPath,
    kind: Arc<PoolKind>,
    partition: usize,
    max_children: Option<usize>,
    window: RestartWindow,
    instances: Instances,
    next_serial: u64,
    /// Completes when the pool is asked to stop; polled only until it has (`interrupted`).
    shutdown_requested: Pin<Box<dyn Future<Output = ()> + Send>>,
    interrupted: bool,
    events: EventBus,
    run: Arc<Run>,
    mail_tx: MailSender,
    mail_rx: MailReceiver,
    /// Shared by the runs of the instances: the pool's path and mailbox.
    owner: Arc<Owner>,
    /// The run of the instance that last exited, whose allocation the next start reuses.
    spare_run: Option<Arc<Run>>,
    reaper: Reaper,
    /// The watchdogs of the instances' runs, when the pool has a heartbeat: each aborted when
    /// its run ends (dropped with its entry).
    watchdogs: foldhash::HashMap<usize, TaskHandle>,
    backoff: Backoff,
    delays: Delays,
}

impl Pool {
    fn new(
        kind: Arc<PoolKind>,
        partition: usize,
        partitions: usize,
        run: Arc<Run>,
        events: EventBus,
    ) -> Self {
        let (mail_tx, mail_rx) = mailbox::mailbox();
        run.post_stop_to(mail_tx.clone());
        // `max_children` is the whole pool's: each partition holds its share.
        let max_children = kind.settings.max_children.map(|max| {
            let share = max / partitions;
            share + usize::from(partition < max % partitions)
        });
        Pool {
            path: run.path().clone(),
            window: RestartWindow::new(kind.settings.intensity),
            partition,
            max_children,
            instances: Instances::default(),
            next_serial: 0,
            shutdown_requested: {
                let run = run.clone();
                Box::pin(async move { run.stop_requested().await })
            },
            interrupted: false,
            events,
            owner: Owner::of_pool(&run, &mail_tx),
            run,
            mail_tx,
            mail_rx,
            spare_run: None,
            reaper: Reaper::new(),
            watchdogs: foldhash::HashMap::default(),
            backoff: kind.settings.backoff.unwrap_or(Backoff::NONE),
            delays: Delays::new(kind.seed.wrapping_add(partition as u64)),
            kind,
        }
    }

    /// The main loop: one message at a time.
    async fn run(mut self) -> ExitReason {
        // A stop request made before the mailbox was known is only in the flag.
        let outcome = if self.run.is_stop_requested() {
            ExitReason::Shutdown
        } else {
            loop {
                let result = match self.mail_rx.recv().await {
                    Mail::Stop => break ExitReason::Shutdown,
                    Mail::Exited(exit) => {
                        let next = self.on_exit(exit);
                        self.complete(next).await
                    }
                    Mail::TryAgain { slot, key } => {
                        let next = self.try_again(slot, key);
                        self.complete(next).await
                    }
                    Mail::Delayed { slot, key, ticket } => {
                        let next = self.delay_over(slot, key, ticket);
                        self.complete(next).await
                    }
                    // Instances have no heartbeat.
                    Mail::Unresponsive {
                        slot,
                        key,
                        generation,
                    } => {
                        // Boxed: rare, and its stop would make the main loop's future large.
                        let next = Box::pin(self.unresponsive(slot, key, generation)).await;
                        self.complete(next).await
                    }
                    Mail::Command(command) => {
                        self.on_command(command);
                        Ok(())
                    }
                    Mail::Pool(request) => {
                        self.on_request(request).await;
                        Ok(())
                    }
                };
                match result {
                    Ok(()) if self.interrupted => break ExitReason::Shutdown,
                    Ok(()) => {}
                    Err(Stop::Interrupted | Stop::AutoShutdown) => break ExitReason::Shutdown,
                    Err(Stop::Failed(failure)) => break ExitReason::Failed(failure),
                }
            }
        };
        // New requests now find no pool; those queued get their reply dropped.
        self.kind.cell.publish(self.partition, None);
        log!(info, reason = %outcome, instances = self.instances.len(), "pool shutting down");
        self.events
            .emit(|| self.path.clone(), || EventKind::ShuttingDown);
        self.stop_all().await;
        outcome
    }

    fn id(&self, slot: usize, serial: u64) -> InstanceId {
        InstanceId {
            partition: self.partition as u32,
            slot: slot as u32,
            serial,
        }
    }

    /// The instance at `slot` if it is the one with `serial`.
    fn instance(&mut self, slot: usize, serial: u64) -> Option<&mut Instance> {
        self.instances.get_mut(slot).filter(|i| i.serial == serial)
    }

    fn find(&mut self, id: InstanceId) -> Option<&mut Instance> {
        if id.partition() != self.partition {
            return None;
        }
        self.instance(id.slot as usize, id.serial)
    }

    fn instance_path(&self, slot: usize) -> ChildPath {
        match self.instances.get(slot) {
            Some(instance) => self.path.join(instance.serial.to_string()),
            None => self.path.clone(),
        }
    }

    /// Aborts the watchdog of the run at `slot`, if the pool has a heartbeat (a pool without
    /// one pays nothing on an exit).
    fn unwatch(&mut self, slot: usize) {
        if self.kind.settings.heartbeat.is_some() {
            self.watchdogs.remove(&slot);
        }
    }

    fn remove(&mut self, slot: usize) {
        self.unwatch(slot);
        self.instances.remove(slot);
    }

    async fn on_request(&mut self, request: PoolRequest) {
        match request {
            PoolRequest::Start { instance, reply } => {
                let result = self.start_instance(instance).await;
                let _ = reply.send(result);
            }
            PoolRequest::StartBatch { instances, reply } => {
                let mut results = Vec::with_capacity(instances.len());
                for instance in instances {
                    let result = if self.interrupted {
                        Err(PoolError::NotRunning {
                            path: self.path.clone(),
                        })
                    } else {
                        self.start_instance(instance).await
                    };
                    results.push(result);
                }
                let _ = reply.send(results);
            }
            PoolRequest::Terminate { id, reply } => {
                let result = self.terminate(id).await;
                let _ = reply.send(result);
            }
            PoolRequest::Info { id, reply } => {
                let result = match self.find(id) {
                    Some(_) => self
                        .info(id.slot as usize)
                        .ok_or_else(|| self.not_found(id)),
                    None => Err(self.not_found(id)),
                };
                let _ = reply.send(result);
            }
            PoolRequest::List { reply } => {
                let _ = reply.send(self.list());
            }
            PoolRequest::Count { reply } => {
                let _ = reply.send(self.count());
            }
        }
    }

    /// OTP's `start_child` of a `simple_one_for_one` supervisor: a new instance, kept only if
    /// its start succeeds.
    async fn start_instance(&mut self, start: InstanceStart) -> Result<InstanceId, PoolError> {
        if let Some(max) = self.max_children
            && self.instances.len() >= max
        {
            return Err(PoolError::MaxChildren {
                path: self.path.clone(),
                max,
            });
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        let slot = self
            .instances
            .insert(Instance::new(serial, start.kind, start.restart));
        match self.start_run(slot).await {
            Ok(()) => Ok(self.id(slot, serial)),
            Err(failed) => {
                let path = self.instance_path(slot);
                self.remove(slot);
                Err(match failed {
                    StartFailed::Interrupted => PoolError::NotRunning {
                        path: self.path.clone(),
                    },
                    // Nothing is stored (OTP's `{ok, undefined}`).
                    StartFailed::Ignored => PoolError::Ignored { path },
                    StartFailed::Failed(failure) => {
                        log!(error, child = %path, %failure, "instance failed to start");
                        self.events.emit(
                            || path.clone(),
                            || EventKind::StartFailed {
                                failure: failure.clone(),
                            },
                        );
                        PoolError::StartFailed { path, failure }
                    }
                })
            }
        }
    }

    /// Starts a new run of the instance at `slot`, and waits for it if it must be waited for.
    async fn start_run(&mut self, slot: usize) -> Result<(), StartFailed> {
        match self.begin_run(slot)? {
            None => Ok(()),
            Some(waiting) => Box::pin(self.finish_run(slot, waiting)).await,
        }
    }

    /// Starts a new run of the instance at `slot`: running when this returns `None`, else
    /// the wait that [`finish_run`](Self::finish_run) completes. Not async, so that an exit
    /// that restarts at once (a worker without an init phase) costs no future of its own.
    fn begin_run(&mut self, slot: usize) -> Result<Option<Waiting>, StartFailed> {
        let Some(instance) = self.instances.get_mut(slot) else {
            return Err(StartFailed::Failed(gone()));
        };
        let generation = instance.starts;
        instance.starts += 1;
        let run = Run::new_instance_in(
            self.spare_run.take(),
            &self.owner,
            instance.serial,
            generation,
            instance.restarts(),
        );
        let span = log::child_span(self.kind.settings.instance_type, &run);
        let args = SpawnArgs {
            run: run.clone(),
            slot,
            key: instance.serial,
            span,
        };
        let Some(kind) = &instance.start else {
            return Err(StartFailed::Failed(gone()));
        };
        match launch::launch(kind, args, &run, &self.events) {
            Launched::Running(task) => {
                self.running(slot, task, run);
                Ok(None)
            }
            Launched::Failed(failure) => Err(StartFailed::Failed(failure)),
            Launched::Ignored => Err(StartFailed::Ignored),
            Launched::Waiting(on) => Ok(Some(Waiting { on, run })),
        }
    }

    /// Waits for a run begun by [`begin_run`](Self::begin_run) (its init phase, or until it
    /// says it is ready).
    async fn finish_run(&mut self, slot: usize, waiting: Waiting) -> Result<(), StartFailed> {
        let Waiting { on, run } = waiting;
        let waited = launch::wait(
            on,
            run.clone(),
            self.kind.settings.shutdown,
            self.shutdown_requested.as_mut(),
            self.kind.settings.start_timeout,
            &self.events,
        )
        .await;
        match waited {
            Ok(task) => {
                self.running(slot, task, run);
                Ok(())
            }
            Err(WaitFailed::Interrupted) => {
                self.interrupted = true;
                Err(StartFailed::Interrupted)
            }
            Err(WaitFailed::Failed(failure) | WaitFailed::Nested(_, failure)) => {
                Err(StartFailed::Failed(failure))
            }
            Err(WaitFailed::Ignored) => Err(StartFailed::Ignored),
        }
    }

    /// The run of the instance at `slot` is running.
    fn running(&mut self, slot: usize, task: TaskHandle, run: Arc<Run>) {
        let generation = run.generation;
        self.events
            .emit(|| run.path().clone(), || EventKind::Ready { generation });
        if let Some(instance) = self.instances.get_mut(slot) {
            if instance.restart == Restart::Temporary {
                instance.start = None;
            }
            if let Some(backoff) = instance.backoff_mut() {
                delay::started(backoff);
            }
            if let Some(interval) = self.kind.settings.heartbeat {
                let watchdog =
                    watchdog::spawn(&run, interval, &self.mail_tx, slot, instance.serial);
                self.watchdogs.insert(slot, watchdog);
            }
            instance.state = State::Running { task, run };
        }
    }

    /// Completes what a restart left to wait for (see [`Restarted`]); boxed, so that the main
    /// loop's future is not as large as the wait.
    async fn complete(&mut self, next: Restarted) -> Result<(), Stop> {
        match next? {
            None => Ok(()),
            Some((slot, waiting)) => Box::pin(self.finish_restart(slot, waiting)).await,
        }
    }

    async fn finish_restart(&mut self, slot: usize, waiting: Waiting) -> Result<(), Stop> {
        match self.finish_run(slot, waiting).await {
            Ok(()) => Ok(()),
            Err(failed) => self.restart_failed(slot, failed),
        }
    }

    /// An instance's run ended by itself: OTP's `do_restart` for a dynamic child. One that is
    /// not restarted is forgotten; one that is counts toward the intensity first.
    fn on_exit(&mut self, exit: ChildExit) -> Restarted {
        let Some(instance) = self
            .instances
            .get_mut(exit.slot)
            .filter(|i| i.serial == exit.key)
        else {
            return Ok(None);
        };
        match &instance.state {
            State::Running { run, .. } if run.generation == exit.generation => {}
            // An exit of a run that was stopped on purpose, or already replaced.
            _ => return Ok(None),
        }
        let State::Running { task, mut run } =
            std::mem::replace(&mut instance.state, State::Restarting)
        else {
            return Ok(None);
        };
        let reason = Run::take_exit_reason(&mut run);
        report_exit(|| run.path().clone(), &reason, &self.events);
        self.reaper.release(task);
        self.spare_run = Some(run);
        self.exited(exit.slot, reason)
    }

    /// The instance at `slot`, no longer running, ended for `reason` (reported already):
    /// records it, and decides.
    #[inline]
    fn exited(&mut self, slot: usize, reason: ExitReason) -> Restarted {
        self.unwatch(slot);
        let Some(instance) = self.instances.get_mut(slot) else {
            return Ok(None);
        };
        let restarts = instance.restart.restarts_after(&reason);
        let now = Instant::now();
        // Only a failure is recorded: a clean exit makes no history.
        if matches!(reason, ExitReason::Failed(_) | ExitReason::Killed) {
            instance.history().last_failure.record_exit(reason, now);
        }
        if !restarts {
            self.remove(slot);
            return Ok(None);
        }
        self.restart(slot, now)
    }

    /// The instance at `slot` (`serial`) missed its heartbeat in its run `generation`: it is
    /// stopped with the pool's shutdown, and its end is a failure (unresponsive), decided as
    /// any exit.
    async fn unresponsive(&mut self, slot: usize, serial: u64, generation: u64) -> Restarted {
        let Some(instance) = self.instance(slot, serial) else {
            return Ok(None);
        };
        match &instance.state {
            State::Running { run, .. } if run.generation == generation => {}
            _ => return Ok(None),
        }
        let State::Running { task, run } =
            std::mem::replace(&mut instance.state, State::Restarting)
        else {
            return Ok(None);
        };
        let interval = self.kind.settings.heartbeat.unwrap_or_default();
        let failure = Failure::new(
            FailureKind::Unresponsive,
            format!("it missed its heartbeat (every {interval:?})"),
        );
        log!(error, child = %self.instance_path(slot), %failure, "instance unresponsive: stopping it");
        self.events.emit(
            || self.instance_path(slot),
            || EventKind::Unresponsive {
                failure: failure.clone(),
            },
        );
        // Its stop is announced as it happens; its end counts as the failure.
        let shutdown = self.kind.settings.shutdown;
        StopChain::run(
            vec![StopLink {
                run,
                task,
                shutdown,
            }],
            &self.events,
        )
        .await;
        self.exited(slot, ExitReason::Failed(failure))
    }

    /// One restart of the instance at `slot`, counted toward the intensity. A failed start is
    /// tried again through the mailbox (OTP's `try_again_restart`).
    fn restart(&mut self, slot: usize, now: Instant) -> Restarted {
        // The instance's path is written out only for an event someone receives, a log line
        // someone wants, or a failure: a restart allocates no name.
        if !self.window.add(now) {
            let cause = self
                .instances
                .get(slot)
                .and_then(|i| i.past()?.last_failure.get())
                .map(|r| r.failure);
            return Err(Stop::Failed(self.window.give_up(
                &self.path,
                &self.instance_path(slot),
                cause.as_ref(),
                &self.events,
            )));
        }
        self.events.emit(
            || self.instance_path(slot),
            || EventKind::RestartDecided {
                children: Arc::from([self.instance_path(slot)]),
            },
        );
        let Some(instance) = self.instances.get_mut(slot) else {
            return Ok(None);
        };
        let delay = self
            .delays
            .delay(&self.backoff, &mut instance.history().backoff, now);
        if !delay.is_zero() {
            let until = now + delay;
            let timer = self.delays.arm(&self.mail_tx, slot, instance.serial, until);
            instance.state = State::Delayed(timer);
            let (restart, of) = self.window.used();
            log!(info, child = %self.instance_path(slot), restart, of, ?delay, "restarting after a delay");
            self.events.emit(
                || self.instance_path(slot),
                || EventKind::RestartDelayed { delay, until },
            );
            return Ok(None);
        }
        let (restart, of) = self.window.used();
        log!(info, child = %self.instance_path(slot), restart, of, "restarting");
        self.restart_now(slot)
    }

    /// The start part of a restart of the instance at `slot`, decided and counted already.
    fn restart_now(&mut self, slot: usize) -> Restarted {
        let Some(instance) = self.instances.get_mut(slot) else {
            return Ok(None);
        };
        instance.history().restarts += 1;
        match self.begin_run(slot) {
            Ok(None) => Ok(None),
            Ok(Some(waiting)) => Ok(Some((slot, waiting))),
            Err(failed) => self.restart_failed(slot, failed).map(|()| None),
        }
    }

    /// A restart's start did not end with the instance running. A failed one is tried again
    /// through the mailbox (OTP's `try_again_restart`).
    fn restart_failed(&mut self, slot: usize, failed: StartFailed) -> Result<(), Stop> {
        match failed {
            StartFailed::Interrupted => Err(Stop::Interrupted),
            // A restart that ignores drops the instance, as OTP's does.
            StartFailed::Ignored => {
                self.remove(slot);
                Ok(())
            }
            StartFailed::Failed(failure) => {
                let path = self.instance_path(slot);
                log!(error, child = %path, %failure, "instance failed to restart");
                self.events.emit(
                    || path.clone(),
                    || EventKind::StartFailed {
                        failure: failure.clone(),
                    },
                );
                if let Some(instance) = self.instances.get_mut(slot) {
                    instance.history().last_failure.set(failure, Instant::now());
                    let key = instance.serial;
                    let _ = self.mail_tx.send(Mail::TryAgain { slot, key });
                }
                Ok(())
            }
        }
    }

    /// A delayed restart's time has come (if it was not cancelled meanwhile).
    fn delay_over(&mut self, slot: usize, serial: u64, ticket: u64) -> Restarted {
        match self.instance(slot, serial) {
            Some(instance) => match &instance.state {
                State::Delayed(timer) if timer.ticket == ticket => {
                    instance.state = State::Restarting;
                }
                _ => return Ok(None),
            },
            None => return Ok(None),
        }
        log!(info, child = %self.instance_path(slot), "restarting after its delay");
        self.restart_now(slot)
    }

    /// OTP's `try_again_restart`, ignored if the instance was terminated meanwhile.
    fn try_again(&mut self, slot: usize, serial: u64) -> Restarted {
        match self.instance(slot, serial) {
            Some(instance) if matches!(instance.state, State::Restarting) => {
                self.restart(slot, Instant::now())
            }
            _ => Ok(None),
        }
    }

    /// Stops an instance with its shutdown and forgets it; also ends a restarting instance's
    /// retries. Not a restart, whatever its policy.
    async fn terminate(&mut self, id: InstanceId) -> Result<(), PoolError> {
        let Some(instance) = self.find(id) else {
            return Err(self.not_found(id));
        };
        let state = std::mem::replace(&mut instance.state, State::Restarting);
        let slot = id.slot as usize;
        self.remove(slot);
        if let State::Running { task, run } = state {
            let shutdown = self.kind.settings.shutdown;
            let link = StopLink {
                run,
                task,
                shutdown,
            };
            let reasons = StopChain::run(vec![link], &self.events).await;
            if let Some(Some(reason)) = reasons.first() {
                report_stopped(&self.path, id, shutdown, reason);
            }
        }
        Ok(())
    }

    /// Stops every instance at once, each with the pool's shutdown, and waits until all have
    /// ended; a restarting instance has no run to stop.
    async fn stop_all(&mut self) {
        self.watchdogs.clear();
        let mut links = Vec::with_capacity(self.instances.len());
        let mut ids = Vec::with_capacity(self.instances.len());
        let shutdown = self.kind.settings.shutdown;
        let partition = self.partition as u32;
        for (slot, instance) in self.instances.drain() {
            if let State::Running { task, run } = instance.state {
                links.push(StopLink {
                    run,
                    task,
                    shutdown,
                });
                ids.push(InstanceId {
                    partition,
                    slot: slot as u32,
                    serial: instance.serial,
                });
            }
        }
        if !links.is_empty() {
            let reasons = StopChain::run_concurrently(links, &self.events).await;
            for (id, reason) in ids.into_iter().zip(reasons) {
                if let Some(reason) = reason {
                    report_stopped(&self.path, id, shutdown, &reason);
                }
            }
        }
        self.reaper.join_all().await;
    }

    fn info(&self, slot: usize) -> Option<InstanceInfo> {
        let instance = self.instances.get(slot)?;
        Some(InstanceInfo {
            id: self.id(slot, instance.serial),
            child: ChildInfo {
                path: self.path.join(instance.serial.to_string()),
                child_type: self.kind.settings.instance_type,
                phase: match instance.state {
                    State::Running { .. } => Phase::Running,
                    State::Restarting => Phase::Restarting,
                    State::Delayed(ref timer) => Phase::Delayed { until: timer.until },
                },
                restart: instance.restart,
                shutdown: self.kind.settings.shutdown,
                starts: instance.starts,
                restart_count: instance.restarts(),
                last_failure: instance.past().and_then(|h| h.last_failure.get()),
            },
        })
    }

    fn list(&self) -> Vec<InstanceInfo> {
        let mut slots: Vec<(u64, usize)> = self
            .instances
            .iter()
            .map(|(slot, i)| (i.serial, slot))
            .collect();
        // In start order, whatever slots they reuse.
        slots.sort_unstable();
        slots
            .into_iter()
            .filter_map(|(_, slot)| self.info(slot))
            .collect()
    }

    /// OTP's `count_children` of a `simple_one_for_one` supervisor.
    fn count(&self) -> ChildCounts {
        let restarting = self
            .instances
            .iter()
            .filter(|(_, i)| matches!(i.state, State::Restarting | State::Delayed(_)))
            .count();
        let len = self.instances.len();
        let (workers, supervisors) = match self.kind.settings.instance_type {
            ChildType::Worker => (len, 0),
            ChildType::Supervisor => (0, len),
        };
        ChildCounts {
            specs: 1,
            active: len - restarting,
            restarting,
            workers,
            supervisors,
        }
    }

    /// A tree handle's request routed here: the pool answers for itself; its instances are
    /// reached through the pool's handle only.
    fn on_command(&mut self, command: Command) {
        let Command { target, depth, op } = command;
        let remaining = target.len() - depth;
        match op {
            Op::WhichChildren(reply) if remaining == 0 => {
                let _ = reply.send(Ok(self.list().into_iter().map(|i| i.child).collect()));
            }
            Op::CountChildren(reply) if remaining == 0 => {
                let _ = reply.send(Ok(self.count()));
            }
            Op::Snapshot(reply) if remaining == 0 => {
                let _ = reply.send(Ok(Local::Pool {
                    settings: self.kind.settings,
                    instances: self.list(),
                }));
            }
            op => {
                let path = target
                    .segments()
                    .skip(depth)
                    .fold(self.path.clone(), |path, name| path.join(name));
                op.fail(ChildError::PoolInstance { path });
            }
        }
    }

    fn not_found(&self, id: InstanceId) -> PoolError {
        PoolError::NotFound {
            path: self.path.clone(),
            id,
        }
    }
}

/// OTP's `shutdown_error` report for an instance: anything but the exit its shutdown asked for.
fn report_stopped(pool: &ChildPath, id: InstanceId, shutdown: Shutdown, reason: &ExitReason) {
    let expected = match reason {
        ExitReason::Shutdown | ExitReason::ShutdownWith(_) | ExitReason::Normal => true,
        ExitReason::Killed => shutdown == Shutdown::Brutal,
        ExitReason::Failed(_) => false,
    };
    if expected {
        log!(debug, pool = %pool, instance = %id, %reason, "instance stopped");
    } else {
        log!(warn, pool = %pool, instance = %id, %reason, "instance did not stop cleanly");
    }
}

fn gone() -> Failure {
    Failure::new(FailureKind::StartFailed, "its start arguments are not kept")
}
