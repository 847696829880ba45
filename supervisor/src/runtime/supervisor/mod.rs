//! One supervisor: the task that owns its children's slots and handles its mailbox, one
//! message at a time, as an OTP supervisor does. Each file answers one question: how children
//! start (`start`), what happens when one exits (`restart`), how they stop (`shutdown`), and
//! what the handle's requests do (`calls`); this one holds the slots and the main loop.

mod calls;
mod restart;
mod shutdown;
mod start;

use crate::runtime::log::log;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::child::TaskHandle;
use super::command::Mail;
use super::delay::{ChildBackoff, Delays, Timer};
use super::ended::{LastFailure, Reaper};
use super::intensity::RestartWindow;
use super::mailbox::{self, MailReceiver, MailSender};
use super::run::{Owner, Run};
use super::{ReadyReply, Stop};
use crate::backoff::{Backoff, Random};
use crate::error::StartError;
use crate::event::{EventBus, EventKind};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::handle::{ChildInfo, Phase};
use crate::path::ChildPath;
use crate::pool::PoolAccess;
use crate::spec::{AutoShutdown, ChildKind, ChildSpec, Strategy, SupervisorSpec};
use start::Waiting;

/// Tombstones of removed children are dropped once there are this many, and at least as many as
/// live children.
const COMPACT_AT: usize = 32;

/// The whole life of one supervisor, as a future.
pub(crate) async fn supervise(
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
        sup.events.set_ready(true);
    }
    let _ = ready.send(Ok(sup.mail_tx.clone()));
    sup.run().await
}

/// A nested supervisor's life as a boxed `Send` future: the box breaks the type cycle of a
/// supervisor starting supervisors.
pub(crate) fn supervise_boxed(
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
    state: State,
    starts: u64,
    restarts: u64,
    last_failure: LastFailure,
    /// Its restarts in a row, once it has a backoff and has failed.
    backoff: Option<Box<ChildBackoff>>,
    /// Its own restart window, once it has a quarantine limit and has been restarted.
    quarantine: Option<Box<RestartWindow>>,
}

enum State {
    Running(Running),
    Restarting,
    /// Its restart waits for its backoff delay.
    Delayed(Box<Timer>),
    Stopped,
    /// Stopped by a handle's `pause`, until `resume`: not restarted, not even with its group.
    Paused,
    /// Taken out of automatic restart after too many restarts of its own, until `resume`.
    Quarantined,
    /// The slot of a deleted spec or of a temporary child that ended, dropped at the next
    /// compaction (see `Supervisor::remove`).
    Removed,
}

struct Running {
    task: TaskHandle,
    /// Expects its heartbeats, if it has a heartbeat interval; held to be aborted with the
    /// run's state.
    _watchdog: Option<TaskHandle>,
    /// Its generation, and a nested supervisor's mailbox.
    run: Arc<Run>,
}

impl Child {
    /// Whether this slot is a tombstone (see `Supervisor::remove`).
    fn is_removed(&self) -> bool {
        matches!(self.state, State::Removed)
    }

    fn info(&self, spec: &ChildSpec, parent: &ChildPath) -> ChildInfo {
        ChildInfo {
            path: parent.join(&spec.name),
            child_type: spec.child_type(),
            phase: match self.state {
                State::Running(_) => Phase::Running,
                State::Restarting => Phase::Restarting,
                State::Delayed(ref timer) => Phase::Delayed { until: timer.until },
                State::Paused => Phase::Paused,
                State::Quarantined => Phase::Quarantined,
                // A removed slot is never listed.
                State::Stopped | State::Removed => Phase::Stopped,
            },
            restart: spec.restart,
            shutdown: spec.shutdown,
            starts: self.starts,
            restart_count: self.restarts,
            last_failure: self.last_failure.get(),
        }
    }
}

/// What a restart still has to do once it has been decided (see `Supervisor::restart`).
enum Pending {
    Nothing,
    /// The start of a lone child, to wait for.
    Start(usize, Waiting),
    /// The children to stop and start again, in start order.
    Group(std::ops::Range<usize>),
    /// A restart of the child to wait for its delay: the others of its group are stopped now,
    /// and all start when the delay is over.
    Delay(usize, std::time::Duration, std::ops::Range<usize>),
}

pub(crate) struct Supervisor {
    path: ChildPath,
    strategy: Strategy,
    window: RestartWindow,
    children: Vec<Child>,
    /// The children's specs, beside their slots (`specs[i]` is the spec of `children[i]`): the
    /// root's list is kept where the builder put it instead of being moved into the slots.
    specs: Vec<ChildSpec>,
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
    reaper: Reaper,
    /// The backoff of children that set none.
    backoff: Backoff,
    delays: Delays,
    auto_shutdown: AutoShutdown,
    /// Stops all its children at once when it stops (see `SupervisorSpec::stops_at_once`).
    stops_at_once: bool,
}

impl Supervisor {
    pub(crate) fn new(spec: SupervisorSpec, run: Arc<Run>, events: EventBus) -> Self {
        let (mail_tx, mail_rx) = mailbox::mailbox();
        run.post_stop_to(mail_tx.clone());
        let mut sup = Supervisor {
            path: run.path().clone(),
            strategy: spec.strategy,
            window: RestartWindow::new(spec.intensity),
            children: Vec::with_capacity(spec.children.len()),
            specs: Vec::new(),
            by_name: None,
            next_key: 0,
            removed: 0,
            shutdown_requested: {
                let run = run.clone();
                Box::pin(async move { run.stop_requested().await })
            },
            events,
            run: run.clone(),
            owner: Owner::of(&run, &mail_tx),
            spare_run: None,
            mail_tx,
            mail_rx,
            reaper: Reaper::new(),
            backoff: spec.backoff,
            delays: Delays::new(spec.seed.unwrap_or_else(Random::fresh_seed)),
            auto_shutdown: spec.auto_shutdown,
            stops_at_once: spec.stops_at_once,
        };
        // The root's own spec is moved in; a nested supervisor's children are shared with the
        // spec its parent keeps, and copied one by one (each copy shares its own children).
        let mut specs = match Arc::try_unwrap(spec.children) {
            Ok(children) => children,
            Err(shared) => shared.iter().cloned().collect(),
        };
        for spec in &mut specs {
            sup.prepare(spec);
            sup.push_slot();
        }
        sup.specs = specs;
        sup
    }

    /// The full path of child `i`, joined on demand: most runs never need it.
    fn child_path(&self, i: usize) -> ChildPath {
        self.path.join(&self.specs[i].name)
    }

    /// Appends a child slot, last in start order. Keys only grow, so the slots stay sorted by
    /// key, which [`locate`](Self::locate) relies on.
    fn push(&mut self, mut spec: ChildSpec) -> usize {
        self.prepare(&mut spec);
        let index = self.push_slot();
        if let Some(by_name) = &mut self.by_name {
            by_name.insert(spec.name.clone(), self.children[index].key);
        }
        self.specs.push(spec);
        index
    }

    /// What a spec needs before its first start here: a pool's or a nested supervisor's seed.
    /// A worker's needs nothing, so only that check is inlined into the loop over all the
    /// children (a call for it cost 25 instructions a child).
    #[inline(always)]
    fn prepare(&mut self, spec: &mut ChildSpec) {
        if matches!(spec.kind, ChildKind::Pool(_) | ChildKind::Supervisor(_)) {
            self.prepare_nested(spec);
        }
    }

    #[inline(never)]
    fn prepare_nested(&mut self, spec: &mut ChildSpec) {
        match &mut spec.kind {
            ChildKind::Pool(pool) if pool.partition.is_none() => {
                // Handles of this slot's pool are its own, kept across the pool's restarts.
                let seed = self.delays.child_seed();
                pool.kind = Arc::new(pool.kind.fresh(self.backoff, seed));
                if self.owner.registers {
                    let path = self.path.join(&spec.name);
                    let kind = pool.kind.clone();
                    self.owner.pools.insert(PoolAccess { path, kind });
                }
            }
            ChildKind::Supervisor(nested) if nested.seed.is_none() => {
                nested.seed = Some(self.delays.child_seed());
            }
            _ => {}
        }
    }

    /// Appends the slot of a child whose spec the caller puts at the same position of `specs`.
    fn push_slot(&mut self) -> usize {
        let index = self.children.len();
        let key = self.next_key;
        self.next_key += 1;
        self.children.push(Child {
            key,
            state: State::Stopped,
            starts: 0,
            restarts: 0,
            last_failure: LastFailure::default(),
            backoff: None,
            quarantine: None,
        });
        index
    }

    /// Removes a stopped child slot (a deleted spec, or a temporary child that ended) in O(1):
    /// the slot stays as a tombstone, so no position moves while a message is being handled;
    /// [`compact`](Self::compact) drops the tombstones between messages. The spec's worker
    /// factory, which may hold the user's resources, is dropped at once.
    fn remove(&mut self, index: usize) {
        let child = &mut self.children[index];
        let spec = &mut self.specs[index];
        if let Some(by_name) = &mut self.by_name {
            by_name.remove(&spec.name);
        }
        child.state = State::Removed;
        if matches!(spec.kind, ChildKind::Pool(_)) && self.owner.registers {
            self.owner.pools.remove(&self.path.join(&spec.name));
        }
        spec.kind = ChildKind::Taken(spec.child_type());
        child.last_failure.clear();
        self.removed += 1;
    }

    /// Drops the tombstones of removed slots once they are at least half of all slots, so
    /// removals cost amortized O(1). Positions move: exits still find their child by key (see
    /// [`locate`](Self::locate)), and the name index holds keys.
    fn compact(&mut self) {
        if self.removed >= COMPACT_AT && self.removed * 2 >= self.children.len() {
            // The specs first, while the slots still say which are removed.
            let mut slots = self.children.iter();
            self.specs
                .retain(|_| !slots.next().is_some_and(|c| c.is_removed()));
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
                .map(|(i, c)| (self.specs[i].name.clone(), c.key))
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

    /// The main loop, once all children have started.
    pub(crate) async fn run(mut self) -> ExitReason {
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
                        Ok(Some((i, now))) => self.restart(i, now),
                        Ok(None) => Ok(Pending::Nothing),
                        Err(stop) => Err(stop),
                    },
                    Mail::TryAgain { slot, key } => self.try_again(slot, key),
                    Mail::Delayed { slot, key, ticket } => self.delay_over(slot, key, ticket),
                    Mail::Unresponsive {
                        slot,
                        key,
                        generation,
                    } => self.unresponsive(slot, key, generation).await,
                    Mail::Command(command) => {
                        self.on_command(command).await.map(|()| Pending::Nothing)
                    }
                    // Only pools take these; dropping it tells its handle the pool is not here.
                    Mail::Pool(_) => Ok(Pending::Nothing),
                };
                let result = match pending {
                    Ok(Pending::Nothing) => Ok(()),
                    Ok(pending) => self.finish_restart(pending).await,
                    Err(stop) => Err(stop),
                };
                match result {
                    Ok(()) => {}
                    Err(Stop::Interrupted | Stop::AutoShutdown) => break ExitReason::Shutdown,
                    Err(Stop::Failed(failure)) => break ExitReason::Failed(failure),
                }
            }
        };
        log!(info, reason = %outcome, "supervisor shutting down");
        if self.run.owner().is_none() {
            // The root: the tree is no longer ready.
            self.events.set_ready(false);
        }
        self.events
            .emit(|| self.path.clone(), || EventKind::ShuttingDown);
        self.stop_all().await;
        outcome
    }
}
