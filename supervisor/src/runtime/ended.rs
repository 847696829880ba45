//! What a supervisor (or pool) does with its children's ended runs: reports the exit
//! ([`report_exit`]), keeps the last failure of each child ([`LastFailure`]), and keeps their
//! tasks until tokio has retired them ([`Reaper`]).

use super::log::log;
use tokio::time::Instant;

use std::sync::Arc;

use super::child::TaskHandle;
use super::run::Run;
use crate::event::{EventBus, EventKind};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::handle::FailureRecord;
use crate::path::ChildPath;

/// Logs and announces that the child at `path` ended by itself (OTP's `child_terminated`
/// report for an abnormal exit). The path is only joined if someone reads it.
#[inline]
pub(crate) fn report_exit(path: impl Fn() -> ChildPath, reason: &ExitReason, events: &EventBus) {
    if reason.is_abnormal() {
        log!(error, child = %path(), %reason, "child terminated");
    } else {
        log!(info, child = %path(), %reason, "child exited");
    }
    events.emit(path, || EventKind::Exited {
        reason: reason.clone(),
    });
}

/// The reaping list is first swept of finished tasks when it reaches this length.
const REAP_BATCH: usize = 64;

/// Tasks of runs that already reported their exit; joined before their supervisor ends, so
/// that no task of the tree outlives it.
pub(crate) struct Reaper {
    tasks: Vec<TaskHandle>,
    /// The length at which `tasks` is next swept: twice what a sweep left, so sweeping stays
    /// amortized O(1) per exit even when many tasks are slow to finish.
    sweep_at: usize,
    /// The task of the latest run that ended by itself and parked, waiting for its child's
    /// next run (see `child::ChildTask`): kept for that run, or aborted once another exit
    /// comes.
    parked: Option<Parked>,
}

/// A parked task (see [`Reaper::park`]).
struct Parked {
    /// The child's slot and key (a pool instance's serial) in its supervisor.
    slot: usize,
    key: u64,
    task: TaskHandle,
    /// The run that ended, which its task holds.
    run: Arc<Run>,
}

impl Reaper {
    pub(crate) fn new() -> Self {
        Reaper {
            tasks: Vec::new(),
            sweep_at: REAP_BATCH,
            parked: None,
        }
    }

    /// Keeps the task of child `slot`/`key`'s run that ended, parked, for the child's next
    /// run (see [`rerun`](Self::rerun)). A task parked before is aborted: one is
    /// kept at a time, the one a restart that follows its exit at once uses.
    pub(crate) fn park(&mut self, slot: usize, key: u64, task: TaskHandle, run: Arc<Run>) {
        if let Some(previous) = self.parked.replace(Parked {
            slot,
            key,
            task,
            run,
        }) {
            self.retire(previous.task);
        }
    }

    /// The run `generation` of child `slot`/`key` in the parked task of its previous run, if
    /// that is the task kept and its run can be renewed (see [`Run::can_rerun`]): the run,
    /// renewed, and the task to hand it to (give it back to [`retire`](Self::retire) if the
    /// start does not use it). A parked task that cannot be used is retired.
    #[inline]
    pub(crate) fn rerun(
        &mut self,
        slot: usize,
        key: u64,
        generation: u64,
        restarts: u64,
    ) -> Option<(Arc<Run>, TaskHandle)> {
        let parked = match &self.parked {
            Some(p) if p.slot == slot && p.key == key => self.parked.take()?,
            _ => return None,
        };
        if !parked.run.can_rerun() {
            self.retire(parked.task);
            return None;
        }
        parked.run.renew(generation, restarts);
        Some((parked.run, parked.task))
    }

    /// Ends a task that is not used: a parked one waits until aborted.
    pub(crate) fn retire(&mut self, task: TaskHandle) {
        task.abort();
        self.release(task);
    }

    /// Lets go of the task of a run that reported its exit. It ends right after reporting, so
    /// it has usually finished by now: releasing it at once reuses its memory while it is
    /// still in cache. Otherwise it is kept until it has.
    #[inline]
    pub(crate) fn release(&mut self, task: TaskHandle) {
        if task.is_finished() {
            return;
        }
        self.tasks.push(task);
        if self.tasks.len() >= self.sweep_at {
            self.tasks.retain(|t| !t.is_finished());
            self.sweep_at = (self.tasks.len() * 2).max(REAP_BATCH);
        }
    }

    /// Waits for every task kept (a parked one aborted).
    pub(crate) async fn join_all(&mut self) {
        if let Some(parked) = self.parked.take() {
            self.retire(parked.task);
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

/// A child's last failure, if any. Boxed: most children never fail, and every child keeps one.
#[derive(Default)]
pub(crate) struct LastFailure(Option<Box<FailureRecord>>);

impl LastFailure {
    /// Records how a run ended, if it failed or was killed.
    #[inline]
    pub(crate) fn record_exit(&mut self, reason: ExitReason, at: Instant) {
        let failure = match reason {
            ExitReason::Failed(f) => f,
            ExitReason::Killed => Failure::new(FailureKind::Error, "killed"),
            _ => return,
        };
        self.set(failure, at);
    }

    /// Records a failure, reusing the box of the previous one: a child failing again and again
    /// allocates once.
    #[inline]
    pub(crate) fn set(&mut self, failure: Failure, at: Instant) {
        let record = FailureRecord { failure, at };
        match &mut self.0 {
            Some(last) => **last = record,
            None => self.0 = Some(Box::new(record)),
        }
    }

    /// A copy of the record, for a snapshot.
    pub(crate) fn get(&self) -> Option<FailureRecord> {
        self.0.as_deref().cloned()
    }

    pub(crate) fn clear(&mut self) {
        self.0 = None;
    }
}
