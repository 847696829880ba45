//! Liveness: a child with a heartbeat interval gets a watchdog, a small task that wakes once
//! per interval and checks the run's last [`Context::heartbeat`](crate::Context::heartbeat);
//! when a whole interval has gone by without one, it tells the supervisor, which stops the
//! child as unresponsive. Only children that opt in have one, and it is aborted with the run's
//! state, so it never outlives the child.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::child::{self, TaskHandle};
use super::command::Mail;
use super::mailbox::MailSender;
use super::run::Run;

/// Watches `run` (at `slot`/`key` of the supervisor whose mailbox is `mailbox`).
pub(crate) fn spawn(
    run: &Arc<Run>,
    interval: Duration,
    mailbox: &MailSender,
    slot: usize,
    key: u64,
) -> TaskHandle {
    // Weak: the watchdog must not keep the run (and its allocation) alive.
    let watched: Weak<Run> = Arc::downgrade(run);
    let generation = run.generation();
    let mailbox = mailbox.clone();
    let started = Instant::now();
    child::spawn_plain(async move {
        let mut due = started + interval;
        loop {
            tokio::time::sleep_until(due).await;
            let Some(run) = watched.upgrade() else {
                return;
            };
            let last = run.last_beat().unwrap_or(started);
            if last + interval <= Instant::now() {
                let _ = mailbox.send(Mail::Unresponsive {
                    slot,
                    key,
                    generation,
                });
                return;
            }
            due = last + interval;
        }
    })
}
