//! Stopping children one after another, in the order given (reverse start order), each ended
//! before the next is asked, as OTP's `terminate_children` does; or all at once, as OTP stops
//! a `simple_one_for_one` supervisor's children (`terminate_dynamic_children`) and Elixir a
//! `DynamicSupervisor`'s.
//!
//! The supervisor does not wake up for every child. It builds a [`StopChain`] of the runs to
//! stop and asks the first; when a run ends, its own task asks the next (see `Run::ended`), so
//! each child costs one wake-up of its own task, as in a bare cancel-and-join. The supervisor
//! only keeps the time: one timer for the child being stopped. Nor does it join the stopped
//! tasks: a run reports its end (with its reason) only once its worker's state is dropped,
//! which is what a stop waits for; the task's own teardown that follows is tokio's.
//!
//! Nor does a child read the clock when it asks the next (a clock read measured ~7 % of a
//! child's whole stop here): the supervisor takes the time a child was asked as the time it
//! first sees that child at the head, and looks at the head every [`LOOK_AGAIN`] while it
//! moves, or as soon as it moves after standing still. So a child is given its whole shutdown
//! timeout, and at most about a millisecond (the timer's own resolution) or the supervisor's
//! scheduling delay more; never less.
//!
//! A stop of all at once asks every run, then keeps one timer per distinct shutdown timeout;
//! when one fires, the runs with that timeout still running are aborted. Each run's end counts
//! down the ones left, and the last wakes the supervisor.
//!
//! Each end is announced and logged (OTP's `shutdown_error` report for an end other than the
//! one asked for) as it happens, by the task that ends: going over every stopped child again
//! once the stop is over would touch each one's memory a second time, cold by then.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::child::TaskHandle;
use super::log::log;
use super::run::Run;
use crate::event::{EventBus, EventKind};
use crate::exit::ExitReason;
use crate::spec::Shutdown;

/// How soon the supervisor looks at the head again while it moves: the most a child's shutdown
/// timeout can be lengthened by its being timed from the supervisor's look, not its ask (tokio's
/// timers have a millisecond's resolution too).
const LOOK_AGAIN: std::time::Duration = std::time::Duration::from_millis(1);

/// One child to stop.
pub(crate) struct StopLink {
    pub(crate) run: Arc<Run>,
    /// Aborted if the run outlives its shutdown timeout; dropped, not joined, with the chain.
    pub(crate) task: TaskHandle,
    pub(crate) shutdown: Shutdown,
}

impl StopLink {
    /// Aborts a run whose shutdown timeout ran out. A run in the middle of a poll ends when
    /// the poll returns, and is killed all the same (see `Run::ended`). OTP's `shutdown_error`
    /// for it is reported here, where the limit is known; its end then reads as a kill.
    fn kill(&self) {
        if self.run.killed() {
            log!(
                warn,
                child = %self.run.path(),
                shutdown = ?self.shutdown,
                "child did not stop within its shutdown timeout: killed"
            );
        }
        self.task.abort();
    }
}

/// A stop in progress of several runs, in order.
///
/// A run in the stop holds the chain (not a `Weak`: the runs that end at once on several
/// threads would all upgrade and let go of the same count) until it ends, and the chain holds
/// the run; [`AbortIfDropped`] breaks that cycle if the stop is dropped half-way.
pub(crate) struct StopChain {
    links: Vec<StopLink>,
    /// Each child's exit is announced as it happens, so the events keep the stop order.
    events: EventBus,
    state: Mutex<ChainState>,
    /// How many runs have not ended yet (a stop of all at once): counted down without the
    /// lock, so that runs ending at once on several threads do not queue on it. How each ended
    /// is kept in its run.
    left: AtomicUsize,
    /// Wakes the supervisor: the chain is done, or its child being stopped has a nearer
    /// deadline than the one the supervisor waits for.
    progress: Notify,
    /// Every run was asked at once: `head` is unused, `left` counts down.
    concurrent: bool,
    /// The stop was dropped half-way (see [`AbortIfDropped`]): its runs end unannounced, as
    /// the children of a killed supervisor, which is not there to report them.
    abandoned: AtomicBool,
}

struct ChainState {
    /// The position of the child being stopped; `links.len()` once all have ended.
    head: usize,
    /// The position of the child whose ask time the supervisor took, at its last look.
    timed: usize,
    /// When the child at `timed` was asked, at the latest.
    asked_at: Instant,
    /// Whether the child at `timed` was aborted after its timeout.
    killed: bool,
    /// Whether the supervisor will look at the head again within [`LOOK_AGAIN`]; if not, a
    /// child that moves the head to one with a timeout wakes it.
    watching: bool,
}

/// What to do to the child at the head, done outside the lock.
enum Ask {
    Stop(usize),
    Done,
}

/// Aborts the task of every run of a stop dropped before its runs have all ended (its
/// supervisor's task aborted in the middle of a stop, as a parent does after the supervisor's
/// shutdown timeout): each run in the stop holds the chain until it ends, and the abort ends
/// it, so that nothing outlives the stop.
struct AbortIfDropped<'a>(Option<&'a StopChain>);

impl AbortIfDropped<'_> {
    /// The stop is over: every run has ended and let go of the chain.
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortIfDropped<'_> {
    fn drop(&mut self) {
        if let Some(chain) = self.0 {
            chain.abandoned.store(true, Ordering::Release);
            for link in &chain.links {
                link.task.abort();
            }
        }
    }
}

impl StopChain {
    /// Stops `links` in order and returns once every one of their runs has ended.
    pub(crate) async fn run(links: Vec<StopLink>, events: &EventBus) {
        let chain = StopChain::new(links, events, false);
        let guard = AbortIfDropped(Some(&chain));
        // The first child is asked as if a child before it had just ended.
        let ask = {
            let mut state = chain.lock();
            // The supervisor looks at once (`keep_time`): no need to wake it.
            state.watching = true;
            let ask = chain.advance(&mut state);
            // Asked just now: timed exactly.
            state.timed = state.head;
            state.asked_at = Instant::now();
            ask
        };
        chain.act(ask);
        chain.keep_time().await;
        guard.disarm();
        chain.finish().await
    }

    /// Stops `links` all at once and returns once every one of their runs has ended.
    pub(crate) async fn run_concurrently(links: Vec<StopLink>, events: &EventBus) {
        let chain = StopChain::new(links, events, true);
        let guard = AbortIfDropped(Some(&chain));
        // Each run is put into the stop as it is asked (under one lock of its own): one that
        // ends from then on counts down. One that had already ended is counted here.
        for link in chain.links.iter() {
            let put = match link.shutdown {
                Shutdown::Brutal => link.run.chain(chain.clone(), true),
                Shutdown::Timeout(_) | Shutdown::Infinity => {
                    link.run.chain_and_request_stop(chain.clone())
                }
            };
            match put {
                Ok(()) if link.shutdown == Shutdown::Brutal => link.task.abort(),
                Ok(()) => {}
                Err(reason) => chain.ended(&link.run, reason),
            }
        }
        chain.keep_time_concurrently().await;
        guard.disarm();
        chain.finish().await
    }

    /// The tasks of runs that ended by themselves before they were asked, and wait for a next
    /// run that will not come (see `child::ChildTask`), are ended and joined here, so that no
    /// task outlives the stop. Costs a look at each run's flags when there is none.
    async fn finish(mut self: Arc<Self>) {
        if !self.links.iter().any(|link| link.run.parked()) {
            return;
        }
        // A run that ended last may still be leaving `ended`, which holds the chain for a few
        // instructions on another thread.
        let chain = loop {
            match Arc::try_unwrap(self) {
                Ok(chain) => break chain,
                Err(shared) => {
                    self = shared;
                    tokio::task::yield_now().await;
                }
            }
        };
        for link in chain.links {
            if link.run.parked() {
                link.task.abort();
                let _ = link.task.await;
            }
        }
    }

    fn new(links: Vec<StopLink>, events: &EventBus, concurrent: bool) -> Arc<StopChain> {
        let n = links.len();
        Arc::new(StopChain {
            links,
            events: events.clone(),
            state: Mutex::new(ChainState {
                head: 0,
                timed: usize::MAX,
                asked_at: Instant::now(),
                killed: false,
                watching: false,
            }),
            left: AtomicUsize::new(n),
            progress: Notify::new(),
            concurrent,
            abandoned: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, ChainState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `run`, which this chain holds, has ended; if it was the one being stopped, asks the
    /// next. (Only the one being stopped is in a chain of one at a time.)
    pub(crate) fn ended(self: &Arc<Self>, run: &Run, reason: ExitReason) {
        if self.abandoned.load(Ordering::Acquire) {
            return;
        }
        self.announce(run, reason);
        if self.concurrent {
            if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.progress.notify_one();
            }
            return;
        }
        let ask = {
            let mut state = self.lock();
            if !self
                .links
                .get(state.head)
                .is_some_and(|head| std::ptr::eq(&*head.run, run))
            {
                return;
            }
            state.head += 1;
            self.advance(&mut state)
        };
        self.act(ask);
    }

    /// Reports the end (OTP's `shutdown_error` for a failure; a kill after the timeout was
    /// reported by [`StopLink::kill`]) and announces it.
    fn announce(&self, run: &Run, reason: ExitReason) {
        if let ExitReason::Failed(_) = reason {
            log!(warn, child = %run.path(), %reason, "child did not stop cleanly");
        } else {
            log!(debug, child = %run.path(), %reason, "child stopped");
        }
        self.events
            .emit(|| run.path().clone(), || EventKind::Exited { reason });
    }

    /// Moves the head past runs that already ended, to the next one to ask, which is put into
    /// the chain only now: as OTP's supervisor learns of a child's earlier exit only when its
    /// turn comes, and a long stop touches each run's state once, when it asks it.
    fn advance(self: &Arc<Self>, state: &mut ChainState) -> Ask {
        loop {
            let head = state.head;
            if head == self.links.len() {
                return Ask::Done;
            }
            let link = &self.links[head];
            let brutal = link.shutdown == Shutdown::Brutal;
            match link.run.chain(Arc::clone(self), brutal) {
                Ok(()) => break,
                // It ended by itself before its turn (its exit message, which the supervisor
                // may still read, is ignored: the child is no longer running).
                Err(reason) => self.announce(&link.run, reason),
            }
            state.head += 1;
        }
        // A supervisor that is not watching sleeps until an earlier child's deadline, or
        // without limit: wake it to time this one.
        if matches!(self.links[state.head].shutdown, Shutdown::Timeout(_)) && !state.watching {
            state.watching = true;
            self.progress.notify_one();
        }
        Ask::Stop(state.head)
    }

    fn act(&self, ask: Ask) {
        match ask {
            Ask::Done => self.progress.notify_one(),
            Ask::Stop(k) => {
                let link = &self.links[k];
                match link.shutdown {
                    Shutdown::Brutal => link.task.abort(),
                    Shutdown::Timeout(_) | Shutdown::Infinity => link.run.request_stop(),
                }
            }
        }
    }

    /// The supervisor's part: aborts a child that outlives its timeout, until all have ended.
    async fn keep_time(&self) {
        loop {
            let (kill, deadline) = {
                let mut state = self.lock();
                if state.head == self.links.len() {
                    return;
                }
                let head = state.head;
                let mut kill = None;
                let mut deadline = None;
                state.watching = false;
                if let Shutdown::Timeout(limit) = self.links[head].shutdown {
                    let now = Instant::now();
                    if state.timed != head {
                        // Asked since the last look, which was at most `LOOK_AGAIN` ago or
                        // woke this one: timed from now, and looked at again soon, to time
                        // the next as closely if this one ends.
                        state.timed = head;
                        state.asked_at = now;
                        state.killed = false;
                        state.watching = true;
                        deadline = Some(now + LOOK_AGAIN.min(limit));
                    } else if !state.killed {
                        let at = state.asked_at + limit;
                        if now >= at {
                            state.killed = true;
                            kill = Some(head);
                        } else {
                            deadline = Some(at);
                        }
                    }
                }
                (kill, deadline)
            };
            if let Some(k) = kill {
                // After the kill OTP waits without limit; the abort ends the run.
                self.links[k].kill();
            }
            match deadline {
                Some(at) => {
                    tokio::select! {
                        _ = self.progress.notified() => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => self.progress.notified().await,
            }
        }
    }

    /// The supervisor's part of a stop of all at once: one timer per distinct shutdown
    /// timeout, in order; when one fires, the runs with that timeout still running are
    /// aborted. Returns once every run has ended.
    async fn keep_time_concurrently(&self) {
        let asked_at = Instant::now();
        let mut limits: Vec<std::time::Duration> = self
            .links
            .iter()
            .filter_map(|link| match link.shutdown {
                Shutdown::Timeout(limit) => Some(limit),
                Shutdown::Brutal | Shutdown::Infinity => None,
            })
            .collect();
        limits.sort_unstable();
        limits.dedup();
        let mut limits = limits.into_iter();
        let mut next = limits.next();
        loop {
            if self.left.load(Ordering::Acquire) == 0 {
                return;
            }
            let Some(limit) = next else {
                self.progress.notified().await;
                continue;
            };
            tokio::select! {
                _ = self.progress.notified() => continue,
                _ = tokio::time::sleep_until(asked_at + limit) => {}
            }
            let late: Vec<usize> = (0..self.links.len())
                .filter(|&k| {
                    self.links[k].shutdown == Shutdown::Timeout(limit)
                        && !self.links[k].run.has_ended()
                })
                .collect();
            // After the kill OTP waits without limit; the abort ends the run.
            for k in late {
                self.links[k].kill();
            }
            next = limits.next();
        }
    }
}
