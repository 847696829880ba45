//! A supervisor's mailbox: one queue, read by its supervisor alone, in arrival order, as OTP's
//! supervisor reads its messages (children's exits, handle requests, its own retries, the stop
//! request).
//!
//! A lock around a queue and one waker slot, rather than tokio's unbounded channel: that channel
//! is built for many writers at once (a list of blocks, a semaphore, an atomic waker), while a
//! mailbox is written briefly and rarely at the same moment, and every restart pays for one
//! message. Here a message costs a lock and an unlock on each side, and the wake-up.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::command::Mail;

/// Posts to a supervisor's mailbox; cloned by whoever may write to it.
#[derive(Clone)]
pub(crate) struct MailSender(Arc<Shared>);

/// Reads a supervisor's mailbox; held by the supervisor.
pub(crate) struct MailReceiver(Arc<Shared>);

struct Shared(Mutex<Queue>);

struct Queue {
    mail: VecDeque<Mail>,
    /// The reader waiting for mail, taken by the write that wakes it.
    waiting: Option<Waker>,
    /// The reader is gone: writes are refused and give their mail back.
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A new, empty mailbox.
pub(crate) fn mailbox() -> (MailSender, MailReceiver) {
    let shared = Arc::new(Shared(Mutex::new(Queue {
        mail: VecDeque::new(),
        waiting: None,
        closed: false,
    })));
    (MailSender(shared.clone()), MailReceiver(shared))
}

impl MailSender {
    /// Queues `mail` and wakes the reader if it waits; gives `mail` back if the supervisor has
    /// ended.
    pub(crate) fn send(&self, mail: Mail) -> Result<(), Mail> {
        let waiting = {
            let mut queue = self.0.lock();
            if queue.closed {
                return Err(mail);
            }
            queue.mail.push_back(mail);
            queue.waiting.take()
        };
        // Woken outside the lock: the reader takes it as soon as it runs.
        if let Some(waker) = waiting {
            waker.wake();
        }
        Ok(())
    }
}

impl MailReceiver {
    /// The next message, in arrival order. The supervisor holds a sender itself, so the
    /// mailbox never runs dry for good.
    pub(crate) fn recv(&mut self) -> Recv<'_> {
        Recv(self)
    }
}

impl Drop for MailReceiver {
    fn drop(&mut self) {
        // Requests still queued are dropped with their reply channels, so their callers learn
        // that the supervisor is gone; outside the lock, as dropping mail may run other code.
        let (unread, waiting) = {
            let mut queue = self.0.lock();
            queue.closed = true;
            (std::mem::take(&mut queue.mail), queue.waiting.take())
        };
        drop((unread, waiting));
    }
}

/// The future of [`MailReceiver::recv`].
pub(crate) struct Recv<'a>(&'a mut MailReceiver);

impl Future for Recv<'_> {
    type Output = Mail;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Mail> {
        // Takes part in tokio's cooperative scheduling as tokio's own channels do: a supervisor
        // that always finds mail still yields to the other tasks of its worker now and then.
        let progress = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut queue = (self.0).0.lock();
        if let Some(mail) = queue.mail.pop_front() {
            progress.made_progress();
            return Poll::Ready(mail);
        }
        match &queue.waiting {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => queue.waiting = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::command::Mail;

    #[tokio::test]
    async fn mail_is_read_in_the_order_it_was_sent() {
        let (tx, mut rx) = mailbox();
        tx.send(Mail::TryAgain { slot: 1, key: 10 }).ok().unwrap();
        tx.send(Mail::Stop).ok().unwrap();
        assert!(matches!(
            rx.recv().await,
            Mail::TryAgain { slot: 1, key: 10 }
        ));
        assert!(matches!(rx.recv().await, Mail::Stop));
    }

    #[tokio::test]
    async fn a_waiting_reader_is_woken_by_the_next_message() {
        let (tx, mut rx) = mailbox();
        let reader = tokio::spawn(async move { matches!(rx.recv().await, Mail::Stop) });
        // Let the reader run until it waits on the empty mailbox.
        tokio::task::yield_now().await;
        assert!(!reader.is_finished());
        tx.send(Mail::Stop).ok().unwrap();
        assert!(reader.await.unwrap());
    }

    /// Writers on other threads while the reader waits and wakes: nothing is lost, and each
    /// writer's mail arrives in the order it was sent.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_lose_nothing_and_keep_their_order() {
        const WRITERS: usize = 4;
        const EACH: u64 = 2_000;
        let (tx, mut rx) = mailbox();
        for writer in 0..WRITERS {
            let tx = tx.clone();
            tokio::spawn(async move {
                for seq in 0..EACH {
                    tx.send(Mail::TryAgain {
                        slot: writer,
                        key: seq,
                    })
                    .ok()
                    .unwrap();
                    if seq % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            });
        }
        let mut next = [0u64; WRITERS];
        let read_all = async {
            for _ in 0..WRITERS as u64 * EACH {
                let Mail::TryAgain { slot, key } = rx.recv().await else {
                    panic!("only TryAgain was sent");
                };
                assert_eq!(key, next[slot], "writer {slot}'s mail out of order");
                next[slot] += 1;
            }
        };
        // A lost wake-up would leave the reader waiting: fail instead of hanging.
        tokio::time::timeout(std::time::Duration::from_secs(10), read_all)
            .await
            .expect("the reader was not woken for mail that was sent");
        assert_eq!(next, [EACH; WRITERS]);
    }

    #[test]
    fn mail_sent_after_the_reader_is_gone_is_given_back() {
        let (tx, rx) = mailbox();
        drop(rx);
        assert!(matches!(tx.send(Mail::Stop), Err(Mail::Stop)));
    }
}
