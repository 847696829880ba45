//! How a run's workers wait for its stop request ([`StopRequested`]): the first waiter in the
//! run's waker slot, any other in its extras' `Notify`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};

use tokio::sync::futures::Notified;

use super::{Run, SLOT_HELD};

/// Completes once its run is asked to stop. A named future rather than an `async fn`: it is
/// part of every idle worker's state, and this keeps it at three words.
pub(crate) struct StopRequested<'a> {
    run: &'a Run,
    wait: Wait<'a>,
}

enum Wait<'a> {
    /// Not polled yet.
    Unpolled,
    /// Holds the run's waker slot.
    Slot,
    /// Another waiter holds the slot: this one waits in the run's `Notify` (boxed: a
    /// `Notified` is eight words, and only a second waiter needs one).
    Listed(Pin<Box<Notified<'a>>>),
    Done,
}

impl Future for StopRequested<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if matches!(this.wait, Wait::Done) {
            return Poll::Ready(());
        }
        if !this.run.is_stop_requested() {
            if matches!(this.wait, Wait::Unpolled) {
                this.wait = if this.run.hold_slot() {
                    Wait::Slot
                } else {
                    // Made before `ATTACHED` is set: a request that sees it notifies this one.
                    let notified = Box::pin(this.run.extras().notify.notified());
                    this.run.attach();
                    Wait::Listed(notified)
                };
            }
            let notified = match &mut this.wait {
                Wait::Slot => {
                    this.run.park_in_slot(cx.waker());
                    false
                }
                Wait::Listed(notified) => notified.as_mut().poll(cx).is_ready(),
                Wait::Unpolled | Wait::Done => false,
            };
            // Read again now that the waiter is registered: a request made in between set the
            // flag before it looked for waiters.
            if !notified && !this.run.is_stop_requested() {
                return Poll::Pending;
            }
        }
        // The stop was requested (a slot's holder gets here no other way): the request takes
        // the waker out of the slot, and the slot stays held, as no waiter takes it once the
        // flag is set (each reads the flag first). No write here: a stop of many runs makes
        // this poll once for each.
        this.wait = Wait::Done;
        Poll::Ready(())
    }
}

impl StopRequested<'_> {
    /// Gives the slot or the list place up, for another waiter.
    fn leave(&mut self) {
        if let Wait::Slot = std::mem::replace(&mut self.wait, Wait::Done) {
            self.run.release_slot();
        }
    }
}

impl Drop for StopRequested<'_> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl Run {
    /// Completes once the run is asked to stop.
    pub(crate) fn stop_requested(&self) -> StopRequested<'_> {
        StopRequested {
            run: self,
            wait: Wait::Unpolled,
        }
    }

    /// Takes the waker slot for a waiter, unless another waiter holds it.
    fn hold_slot(&self) -> bool {
        !self.set(SLOT_HELD, Ordering::Acquire)
    }

    /// Leaves the waker of the slot's holder, as of its latest poll.
    fn park_in_slot(&self, waker: &Waker) {
        let mut shared = self.lock();
        match &mut shared.waiter {
            Some(parked) if parked.will_wake(waker) => {}
            parked => *parked = Some(waker.clone()),
        }
    }

    fn release_slot(&self) {
        let waker = self.lock().waiter.take();
        self.state.fetch_and(!SLOT_HELD, Ordering::Release);
        // Dropped outside the lock: a waker's drop may free its task.
        drop(waker);
    }
}
