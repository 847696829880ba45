//! Restart in place: the task of a run that ended by itself waits (parked) for its child's next
//! run, which its supervisor hands over through the run ([`Run::hand_over`]) after renewing
//! the run for it ([`Run::renew`]), instead of spawning a task (see `child::ChildTask`).

use std::any::Any;
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard, PoisonError};
use std::task::Waker;

use super::{FLAG_BITS, Link, PARKING, Run};

/// The meeting point of a parked task and its supervisor (see [`Run::hand_over`]).
#[derive(Default)]
pub(super) struct Handover {
    /// The next run's future (typed by the task that takes it).
    next: Option<Box<dyn Any + Send>>,
    /// The parked task, waiting for `next`.
    parked: Option<Waker>,
    /// The task is gone: nothing is handed over any more.
    closed: bool,
}

impl Run {
    /// Whether the run's task, having reported the run's end, waits for the child's next run.
    pub(crate) fn parked(&self) -> bool {
        self.has(PARKING)
    }

    /// The run's task will wait for the child's next run once it has reported this one's end.
    pub(crate) fn mark_parking(&self) {
        self.set(PARKING, Ordering::Release);
    }

    /// Whether the child's next run can be this run, renewed, in its parked task: the task
    /// parked, nothing but it and the supervisor holds the run (no `Context` of the run that
    /// ended is kept elsewhere, which would see the next run's stop request), and no token
    /// was handed out (a cancelled token cannot be renewed).
    pub(crate) fn can_rerun(self: &Arc<Self>) -> bool {
        self.has(PARKING)
            && Arc::strong_count(self) == 2
            && self.extras.get().is_none_or(|e| e.token.get().is_none())
    }

    /// Makes this run, ended, the child's next run, in place (see [`can_rerun`](Self::can_rerun)):
    /// what [`restart`](Self::restart) does for a run nothing else holds.
    pub(crate) fn renew(&self, generation: u64, restarts: u64) {
        // Nothing else reads the run meanwhile: its task takes the next run from the hand-over,
        // under its lock, which orders these writes before the run's.
        self.state.store(generation << FLAG_BITS, Ordering::Relaxed);
        self.restarts.store(restarts, Ordering::Relaxed);
        let waiter = {
            let mut shared = self.lock();
            shared.link = Link::Free;
            shared.waiter.take()
        };
        drop(waiter);
        if let Some(extras) = self.extras.get() {
            extras.ready.store(false, Ordering::Relaxed);
            *extras
                .last_beat
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        }
    }

    fn handover(&self) -> MutexGuard<'_, Handover> {
        self.extras()
            .handover
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands the next run's future to the run's parked task and wakes it; gives it back if
    /// the task is gone.
    pub(crate) fn hand_over<T: Any + Send>(&self, next: Box<T>) -> Result<(), Box<T>> {
        let parked = {
            let mut handover = self.handover();
            if handover.closed {
                return Err(next);
            }
            handover.next = Some(next);
            handover.parked.take()
        };
        if let Some(waker) = parked {
            waker.wake();
        }
        Ok(())
    }

    /// The parked task takes the next run's future, if it was handed over; otherwise it waits
    /// with `waker`.
    pub(crate) fn take_handover(&self, waker: &Waker) -> Option<Box<dyn Any + Send>> {
        let mut handover = self.handover();
        if let Some(next) = handover.next.take() {
            // Its waker, left from its wait, would keep its own task alive through the run.
            handover.parked = None;
            return Some(next);
        }
        match &handover.parked {
            Some(parked) if parked.will_wake(waker) => {}
            _ => handover.parked = Some(waker.clone()),
        }
        None
    }

    /// The parked task is gone: whatever was handed over goes (a future of the next run holds
    /// the run), and nothing more is.
    pub(crate) fn close_handover(&self) {
        let (next, parked) = {
            let mut handover = self.handover();
            handover.closed = true;
            (handover.next.take(), handover.parked.take())
        };
        drop((next, parked));
    }
}
