//! A pool (or one partition of it): the task that owns the instances started at run time, all
//! of one kind, as OTP's `simple_one_for_one` supervisor and Elixir's `DynamicSupervisor` do.
//!
//! It shares the rest of the runtime: a run starts as any child's does (`launch`), reports its
//! end to this pool's mailbox (`child`), is restarted within the pool's intensity
//! (`intensity`), and all instances stop at once when the pool stops (`stop`). "What happens
//! when an instance exits" is `restart.rs`; what a handle asks, `requests.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::time::Instant;

mod instances;
mod requests;
mod restart;

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
use crate::pool::{ArgStore, InstanceId, InstanceInfo, PoolError, PoolKind};
use crate::snapshot::Local;
use crate::spec::{ChildFuture, ChildType, Restart};

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
    /// The instances' start arguments, by slot, typed by the pool's template.
    args: Box<dyn ArgStore>,
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
            args: (kind.stores)(),
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

    fn remove(&mut self, slot: usize) {
        self.unwatch(slot);
        self.instances.remove(slot);
        self.args.forget(slot);
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
        let generation = instance.count_start();
        // The instance's previous run's task, if it waits for this run.
        let restarts = instance.restarts();
        let (run, mut parked) = match self
            .reaper
            .rerun(slot, instance.serial, generation, restarts)
        {
            Some((run, task)) => (run, Some(task)),
            None => (
                Run::new_instance_in(
                    self.spare_run.take(),
                    &self.owner,
                    instance.serial,
                    generation,
                    restarts,
                ),
                None,
            ),
        };
        let span = log::child_span(self.kind.settings.instance_type, &run);
        let args = SpawnArgs {
            run: run.clone(),
            slot,
            key: instance.serial,
            span,
            restart: instance.restart,
        };
        let once = instance.restart == Restart::Temporary;
        let launched = self
            .args
            .launch(slot, once, args, &run, &self.events, &mut parked);
        if let Some(unused) = parked {
            self.reaper.retire(unused);
        }
        match launched {
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
        let generation = run.generation();
        self.events
            .emit(|| run.path().clone(), || EventKind::Ready { generation });
        if let Some(instance) = self.instances.get_mut(slot) {
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

    /// Stops every instance at once, each with the pool's shutdown, and waits until all have
    /// ended; a restarting instance has no run to stop.
    async fn stop_all(&mut self) {
        self.watchdogs.clear();
        let mut links = Vec::with_capacity(self.instances.len());
        let shutdown = self.kind.settings.shutdown;
        // The arguments go with the instances (a new store for a restarted pool).
        self.args = (self.kind.stores)();
        for (_, instance) in self.instances.drain() {
            if let State::Running { task, run } = instance.state {
                links.push(StopLink {
                    run,
                    task,
                    shutdown,
                });
            }
        }
        if !links.is_empty() {
            StopChain::run_concurrently(links, &self.events).await;
        }
        self.reaper.join_all().await;
    }
}

fn gone() -> Failure {
    Failure::new(FailureKind::StartFailed, "its start arguments are not kept")
}
