//! Restarts that wait (see [`Backoff`]): a child's backoff bookkeeping, the timer of a restart
//! waiting for its delay, and each supervisor's random source for jitter.
//!
//! A waiting restart is a small timer task that posts to its supervisor's mailbox when the
//! delay is over, so the supervisor keeps handling every other message meanwhile. The timer is
//! held by the child's slot: terminating the child, or the supervisor ending, drops it, which
//! aborts it, and the restart never happens.

use std::time::Duration;

use tokio::time::Instant;

use super::child::{self, TaskHandle};
use super::command::Mail;
use super::mailbox::MailSender;
use crate::backoff::{Backoff, BackoffState, Random};

/// One child's restarts in a row, and when its current run started.
#[derive(Default)]
pub(crate) struct ChildBackoff {
    state: BackoffState,
    /// When the run now running started; `None` while it is not running.
    started_at: Option<Instant>,
}

/// A supervisor's (or pool's) part: its random source and the numbers of its timers.
pub(crate) struct Delays {
    random: Random,
    next_ticket: u64,
}

/// A restart waiting for its delay.
pub(crate) struct Timer {
    pub(crate) until: Instant,
    pub(crate) ticket: u64,
    /// Aborted when the timer is dropped: the restart is cancelled.
    _task: TaskHandle,
}

impl Delays {
    pub(crate) fn new(seed: u64) -> Self {
        Delays {
            random: Random::new(seed),
            next_ticket: 0,
        }
    }

    /// A seed for a supervisor or pool under this one that sets none.
    pub(crate) fn child_seed(&mut self) -> u64 {
        self.random.next_u64()
    }

    /// The delay before the restart of a child with `backoff`, decided at `now`. No
    /// bookkeeping at all, and no allocation, when the backoff is none.
    #[inline]
    pub(crate) fn delay(
        &mut self,
        backoff: &Backoff,
        child: &mut Option<Box<ChildBackoff>>,
        now: Instant,
    ) -> Duration {
        if backoff.is_none() {
            return Duration::ZERO;
        }
        let child = child.get_or_insert_with(Box::default);
        let ran = child
            .started_at
            .take()
            .map_or(Duration::ZERO, |at| now.saturating_duration_since(at));
        backoff.next_delay(&mut child.state, ran, &mut self.random)
    }

    /// Arms the timer of the restart of the child at `slot` with `key`, due at `until`.
    pub(crate) fn arm(
        &mut self,
        mailbox: &MailSender,
        slot: usize,
        key: u64,
        until: Instant,
    ) -> Box<Timer> {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let mailbox = mailbox.clone();
        let task = child::spawn_plain(async move {
            tokio::time::sleep_until(until).await;
            let _ = mailbox.send(Mail::Delayed { slot, key, ticket });
        });
        Box::new(Timer {
            until,
            ticket,
            _task: task,
        })
    }
}

/// Notes that a child with backoff bookkeeping started a run now.
#[inline]
pub(crate) fn started(child: &mut Option<Box<ChildBackoff>>) {
    if let Some(child) = child {
        child.started_at = Some(Instant::now());
    }
}
