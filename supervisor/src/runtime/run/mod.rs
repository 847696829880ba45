//! The state one run of a child shares with its supervisor ([`Run`]): whether it is asked to
//! stop and who waits for that, its part in a stop ([`Link`]) and the reason it ended, its
//! name under its supervisor ([`Owner`]), and the extras few runs use (a token, readiness, a
//! heartbeat), made on first demand. Beside it: what a supervisor shares with all its runs
//! (`owner.rs`), how a run's workers wait for its stop request (`wait.rs`), and how a parked
//! task is handed its child's next run (`handover.rs`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Waker;

use once_cell::race::OnceBox;
use tokio::sync::Notify;
use tokio::sync::futures::Notified;
use tokio_util::sync::CancellationToken;

use super::command::Mail;
use super::mailbox::MailSender;
use super::stop::StopChain;
use crate::exit::ExitReason;
use crate::path::ChildPath;

mod handover;
mod owner;
mod wait;

use handover::Handover;
pub(crate) use owner::Owner;

/// What one run of a child shares with its supervisor: who it is, the request to stop, and its
/// place in a stop in progress. One allocation per start, which `Context` clones cheaply; it is
/// kept at 88 bytes, as every idle child holds one: with its reference counts, a 112-byte
/// block, which glibc places in the room its 128-byte alignment of the task's cell leaves
/// (an idle instance's memory grows by 64 bytes at 136).
pub(crate) struct Run {
    /// The supervisor and the child's name: the full path is only joined when asked for.
    owner: Option<Arc<Owner>>,
    name: RunName,
    /// The run's generation, shifted past the flags below (`STOP`, …), which share its word.
    state: AtomicU64,
    /// How many times the supervisor restarted the child before this run; atomic, as a run
    /// restarted in its own task is renewed through a shared reference.
    restarts: AtomicU64,
    /// The waker of the one waiter most runs have, and the run's part in a stop.
    shared: Mutex<Shared>,
    extras: OnceBox<Extras>,
}

/// Asked to stop.
const STOP: u64 = 1;
/// The extras hold something a stop request must reach: a waiter in their `Notify`, a token
/// or a mailbox. Set after that is in place, and read by a request after it set `STOP` (both
/// sequentially consistent): either the request sees it, or the side that set it sees the
/// request.
const ATTACHED: u64 = 1 << 1;
/// A waiter holds the waker slot.
const SLOT_HELD: u64 = 1 << 2;
/// Aborted by its supervisor in a stop: it ends as killed, whatever it reports.
const KILLED: u64 = 1 << 3;
/// Its task, having reported the run's end, waits for the next run of the same child (see
/// [`Run::can_rerun`]). Set before the exit is posted.
const PARKING: u64 = 1 << 4;
/// A start waits for the run to say it is ready, and for its end (see
/// [`Run::ready_changed`]): only then does the end wake anyone.
const READY_WATCHED: u64 = 1 << 5;
/// How far the generation is shifted.
const FLAG_BITS: u32 = 6;

/// The part of a run behind its lock.
struct Shared {
    /// The one waiter most runs have (the worker awaiting `Context::shutdown_requested`) waits
    /// here: a waker in a slot, far cheaper to register and to wake than a place in a list.
    waiter: Option<Waker>,
    link: Link,
}

/// The parts of a run that few runs use, made on first demand.
#[derive(Default)]
struct Extras {
    /// The joined path, for events, logs and `Context::path`.
    path: OnceLock<ChildPath>,
    /// Where waiters for the stop request beyond the first (clones of the `Context` in other
    /// tasks) wait.
    notify: Notify,
    /// For a worker that hands a token to tasks of its own.
    token: OnceLock<CancellationToken>,
    /// A supervisor's mailbox, where a stop request is also posted.
    mailbox: OnceLock<MailSender>,
    /// Set by `Context::ready`.
    ready: AtomicBool,
    /// Wakes whoever waits for the run to be ready, when it is or when the run ends.
    ready_changed: Notify,
    /// When the run last called `Context::heartbeat`.
    last_beat: Mutex<Option<tokio::time::Instant>>,
    /// The next run's future, handed from the supervisor to the run's parked task.
    handover: Mutex<Handover>,
}

/// A run's part in a chained stop (see [`StopChain`]). Whether its supervisor aborted it is the
/// run's `KILLED` flag.
pub(crate) enum Link {
    /// Running, not in a stop.
    Free,
    /// In this stop: when the run ends it tells the chain, which asks the next.
    Chained(Arc<StopChain>),
    /// The run has ended, for this reason.
    Ended(ExitReason),
}

/// A run's own name: a declared child's (shared with its spec), or a pool instance's serial,
/// written out only when a path is asked for (no allocation per instance). As small as the
/// name alone: the serial sits where the name's length would be.
enum RunName {
    Child(Arc<str>),
    Instance(u64),
}

impl RunName {
    fn is(&self, other: &RunName) -> bool {
        match (self, other) {
            (RunName::Child(a), RunName::Child(b)) => Arc::ptr_eq(a, b),
            (RunName::Instance(a), RunName::Instance(b)) => a == b,
            _ => false,
        }
    }
}

impl Run {
    /// A run of the root supervisor.
    pub(crate) fn root(path: ChildPath) -> Arc<Self> {
        let extras = Extras {
            path: OnceLock::from(path.clone()),
            ..Extras::default()
        };
        Arc::new(Run::build(
            None,
            RunName::Child(path.name().into()),
            OnceBox::with_value(Box::new(extras)),
            0,
            0,
        ))
    }

    /// A run of the child `name` of the supervisor `owner`.
    fn of_child(owner: &Arc<Owner>, name: RunName, generation: u64, restarts: u64) -> Self {
        Run::build(
            Some(owner.clone()),
            name,
            OnceBox::new(),
            generation,
            restarts,
        )
    }

    /// A run of the child `name` of the supervisor `owner`, in the allocation of `spare` if
    /// nothing else holds it any more: a restarted child's previous run, whose task has ended.
    pub(crate) fn new_in(
        spare: Option<Arc<Run>>,
        owner: &Arc<Owner>,
        name: &Arc<str>,
        generation: u64,
        restarts: u64,
    ) -> Arc<Self> {
        if let Some(mut spare) = spare
            && let Some(run) = Arc::get_mut(&mut spare)
        {
            if matches!(&run.name, RunName::Child(own) if Arc::ptr_eq(own, name)) {
                run.restart(generation, restarts);
            } else {
                *run = Run::of_child(owner, RunName::Child(name.clone()), generation, restarts);
            }
            return spare;
        }
        Arc::new(Run::of_child(
            owner,
            RunName::Child(name.clone()),
            generation,
            restarts,
        ))
    }

    /// A run of the pool instance `serial` of the pool `owner`, in the allocation of `spare`
    /// when it can (see [`new_in`](Self::new_in)).
    pub(crate) fn new_instance_in(
        spare: Option<Arc<Run>>,
        owner: &Arc<Owner>,
        serial: u64,
        generation: u64,
        restarts: u64,
    ) -> Arc<Self> {
        let name = RunName::Instance(serial);
        if let Some(mut spare) = spare
            && let Some(run) = Arc::get_mut(&mut spare)
        {
            if run.name.is(&name) {
                run.restart(generation, restarts);
            } else {
                *run = Run::of_child(owner, name, generation, restarts);
            }
            return spare;
        }
        Arc::new(Run::of_child(owner, name, generation, restarts))
    }

    /// Makes an ended run of a child, which nothing else holds, its next run. The owner and
    /// name stay (not cloned again: every reference count is an atomic operation on the
    /// restart path), and so does the joined path, in fresh extras.
    #[inline]
    fn restart(&mut self, generation: u64, restarts: u64) {
        *self.state.get_mut() = generation << FLAG_BITS;
        *self.restarts.get_mut() = restarts;
        *self
            .shared
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = Shared {
            waiter: None,
            link: Link::Free,
        };
        if self.extras.get().is_some() {
            self.renew_extras();
        }
    }

    /// The extras of a run that had them, afresh but for the joined path. Out of line: most
    /// restarted runs have none.
    #[cold]
    fn renew_extras(&mut self) {
        let path = self.extras.get().and_then(|e| e.path.get().cloned());
        self.extras = match path {
            Some(path) => OnceBox::with_value(Box::new(Extras {
                path: OnceLock::from(path),
                ..Extras::default()
            })),
            None => OnceBox::new(),
        };
    }

    fn build(
        owner: Option<Arc<Owner>>,
        name: RunName,
        extras: OnceBox<Extras>,
        generation: u64,
        restarts: u64,
    ) -> Self {
        Run {
            owner,
            name,
            state: AtomicU64::new(generation << FLAG_BITS),
            restarts: AtomicU64::new(restarts),
            shared: Mutex::new(Shared {
                waiter: None,
                link: Link::Free,
            }),
            extras,
        }
    }

    /// Which start of its child this run is.
    pub(crate) fn generation(&self) -> u64 {
        self.state.load(Ordering::Relaxed) >> FLAG_BITS
    }

    /// How many times the supervisor restarted the child before this run.
    pub(crate) fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    fn has(&self, flag: u64) -> bool {
        self.state.load(Ordering::SeqCst) & flag != 0
    }

    /// Sets `flag`, and tells whether it was set already.
    fn set(&self, flag: u64, order: Ordering) -> bool {
        self.state.fetch_or(flag, order) & flag != 0
    }

    fn extras(&self) -> &Extras {
        self.extras.get_or_init(Box::default)
    }

    /// The child's full path.
    pub(crate) fn path(&self) -> &ChildPath {
        self.extras()
            .path
            .get_or_init(|| match (&self.owner, &self.name) {
                (Some(owner), RunName::Child(name)) => owner.path.join(name),
                (Some(owner), RunName::Instance(serial)) => owner.path.join(serial.to_string()),
                (None, RunName::Child(name)) => ChildPath::root(name),
                // Not reached: only a pool's children are instances.
                (None, RunName::Instance(serial)) => ChildPath::root(serial.to_string()),
            })
    }

    /// The supervisor (or pool) of this run; `None` for the root supervisor's.
    pub(crate) fn owner(&self) -> Option<&Arc<Owner>> {
        self.owner.as_ref()
    }

    /// The child's own name.
    pub(crate) fn name(&self) -> &str {
        match &self.name {
            RunName::Child(name) => name,
            // Written out with the path, on first demand.
            RunName::Instance(_) => self.path().name(),
        }
    }

    /// Asks the run to stop: `Context::shutdown_requested` completes and its token is cancelled.
    pub(crate) fn request_stop(&self) {
        self.set(STOP, Ordering::SeqCst);
        // Taken under the lock, after the flag: a waiter that registers later reads the flag
        // after its own lock, so it sees the request.
        let waker = self.lock().waiter.take();
        self.reach_waiters(waker);
    }

    /// Puts the run into a stop of all at once (see [`chain`](Self::chain)) and asks it to
    /// stop, under one lock; or tells why it has already ended.
    pub(crate) fn chain_and_request_stop(&self, chain: Arc<StopChain>) -> Result<(), ExitReason> {
        let waker = {
            let mut shared = self.lock();
            if let Link::Ended(reason) = &shared.link {
                return Err(reason.clone());
            }
            shared.link = Link::Chained(chain);
            // Set under the lock a waiter parks under (see `request_stop`).
            self.set(STOP, Ordering::SeqCst);
            shared.waiter.take()
        };
        self.reach_waiters(waker);
        Ok(())
    }

    /// Wakes the waiters of a stop request just made: the slot's, taken out of it, and those
    /// the extras hold.
    fn reach_waiters(&self, slot: Option<Waker>) {
        if let Some(waker) = slot {
            waker.wake();
        }
        if !self.has(ATTACHED) {
            return;
        }
        // Made before `ATTACHED` was set.
        let Some(extras) = self.extras.get() else {
            return;
        };
        extras.notify.notify_waiters();
        if let Some(token) = extras.token.get() {
            token.cancel();
        }
        if let Some(mailbox) = extras.mailbox.get() {
            let _ = mailbox.send(Mail::Stop);
        }
    }

    /// Makes this a supervisor's run: a stop request is posted to its mailbox too, so its main
    /// loop waits on its mailbox alone. A request made before is seen by
    /// [`is_stop_requested`](Self::is_stop_requested).
    pub(crate) fn post_stop_to(&self, mailbox: MailSender) {
        let _ = self.extras().mailbox.set(mailbox);
        self.attach();
    }

    /// Something a stop request must reach is now in the extras (see `ATTACHED`).
    fn attach(&self) {
        self.set(ATTACHED, Ordering::SeqCst);
    }

    /// A supervisor's mailbox, once its run has one.
    pub(crate) fn mailbox(&self) -> Option<&MailSender> {
        self.extras.get()?.mailbox.get()
    }

    pub(crate) fn is_stop_requested(&self) -> bool {
        self.has(STOP)
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A token cancelled with the stop request.
    pub(crate) fn token(&self) -> &CancellationToken {
        let token = self.extras().token.get_or_init(CancellationToken::new);
        self.attach();
        // A request made while the token was being created may not have seen it.
        if self.is_stop_requested() {
            token.cancel();
        }
        token
    }

    /// The run says it is ready (`Context::ready`).
    pub(crate) fn mark_ready(&self) {
        let extras = self.extras();
        extras.ready.store(true, Ordering::SeqCst);
        extras.ready_changed.notify_waiters();
    }

    /// The run is alive (`Context::heartbeat`).
    pub(crate) fn beat(&self) {
        *self
            .extras()
            .last_beat
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(tokio::time::Instant::now());
    }

    /// When the run last beat, if it has.
    pub(crate) fn last_beat(&self) -> Option<tokio::time::Instant> {
        *self
            .extras
            .get()?
            .last_beat
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the run said it is ready.
    pub(crate) fn is_ready(&self) -> bool {
        self.extras
            .get()
            .is_some_and(|e| e.ready.load(Ordering::SeqCst))
    }

    /// Completes when the run says it is ready or ends (register it with `enable` before
    /// checking either).
    pub(crate) fn ready_changed(&self) -> Notified<'_> {
        // Set before the caller checks the run's end: either the end sees it, or the caller
        // sees the end.
        self.set(READY_WATCHED, Ordering::SeqCst);
        self.extras().ready_changed.notified()
    }

    /// How the run ended, if it has.
    pub(crate) fn ended_reason(&self) -> Option<ExitReason> {
        match &self.lock().link {
            Link::Ended(reason) => Some(reason.clone()),
            Link::Free | Link::Chained(_) => None,
        }
    }

    /// Puts the run into a chained stop, or tells why it has already ended. `killed`: it will
    /// be aborted at once (a brutal stop), not asked.
    pub(crate) fn chain(&self, chain: Arc<StopChain>, killed: bool) -> Result<(), ExitReason> {
        let mut shared = self.lock();
        if let Link::Ended(reason) = &shared.link {
            return Err(reason.clone());
        }
        shared.link = Link::Chained(chain);
        if killed {
            self.set(KILLED, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The run in a stop is about to be aborted, its shutdown timeout having run out: from
    /// now on its end is a kill (see [`ended`](Self::ended)). Tells whether it had not ended.
    pub(crate) fn killed(&self) -> bool {
        let shared = self.lock();
        let running = matches!(shared.link, Link::Chained(_));
        if running {
            self.set(KILLED, Ordering::Relaxed);
        }
        running
    }

    /// The run has ended: its reason is kept here, where its supervisor takes it when it
    /// handles the exit (or a later stop, or a join, reads it), and handed to the stop chain
    /// it is in, which asks the next child. Tells whether the run was not being stopped, so
    /// that its exit goes to its supervisor's mailbox.
    ///
    /// A run its supervisor aborted ends as killed, even if it returned from the poll that was
    /// in progress when it was aborted (a blocking poll cannot be interrupted, and an abort
    /// only takes effect when the poll returns): it returned too late. A failure stays the
    /// reason, as it tells more.
    pub(crate) fn ended(&self, reason: ExitReason) -> bool {
        let not_stopped = self.end_link(reason);
        // A start waiting for the run to be ready learns that it never will be.
        if self.has(READY_WATCHED)
            && let Some(extras) = self.extras.get()
        {
            extras.ready_changed.notify_waiters();
        }
        not_stopped
    }

    fn end_link(&self, reason: ExitReason) -> bool {
        let mut shared = self.lock();
        match std::mem::replace(&mut shared.link, Link::Free) {
            Link::Chained(chain) => {
                // Set under this lock, as `KILLED` is.
                let reason = match reason {
                    ExitReason::Normal | ExitReason::Shutdown if self.has(KILLED) => {
                        ExitReason::Killed
                    }
                    reason => reason,
                };
                shared.link = Link::Ended(reason.clone());
                drop(shared);
                chain.ended(self, reason);
                false
            }
            Link::Free | Link::Ended(_) => {
                shared.link = Link::Ended(reason);
                true
            }
        }
    }

    /// How the run ended, taken out of it by its supervisor: without a lock nor a copy when
    /// nothing else holds the run any more (its task has finished), as is usual by the time
    /// the supervisor reads the exit.
    pub(crate) fn take_exit_reason(this: &mut Arc<Run>) -> ExitReason {
        let Some(run) = Arc::get_mut(this) else {
            return this.exit_reason();
        };
        let shared = run.shared.get_mut().unwrap_or_else(PoisonError::into_inner);
        match std::mem::replace(&mut shared.link, Link::Free) {
            Link::Ended(reason) => reason,
            // Not reached: the exit is reported after the reason is kept.
            Link::Free | Link::Chained(_) => ExitReason::Killed,
        }
    }

    /// Whether the run has ended (its reason is kept).
    pub(crate) fn has_ended(&self) -> bool {
        matches!(self.lock().link, Link::Ended(_))
    }

    /// How the run ended, once its task has been joined (a task's output is `()`: the reason
    /// is kept once, here).
    pub(crate) fn exit_reason(&self) -> ExitReason {
        match &self.lock().link {
            Link::Ended(reason) => reason.clone(),
            // Not reached: a task reports its end before it completes, even when aborted.
            Link::Free | Link::Chained(_) => ExitReason::Killed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_childs_run_state_and_wait_stay_small() {
        // Every idle child holds one run and one `shutdown_requested` future in its worker's
        // state. At 88 bytes, its block (with the reference counts, 104 bytes) fits in the
        // room glibc leaves beside a task's 128-byte-aligned cell: measured with the memory
        // row of `measure`, one more word costs an idle instance 64 bytes.
        let size = std::mem::size_of::<Run>();
        assert!(size <= 88, "a run's shared state takes {size} bytes");
        let run = Run::root(ChildPath::root("t"));
        let size = std::mem::size_of_val(&run.stop_requested());
        assert!(size <= 24, "a wait for the stop request takes {size} bytes");
    }
}
