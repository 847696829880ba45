//! The event stream of a tree: typed [`Event`]s with sequence numbers, one stream for the whole
//! tree.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::exit::{ExitReason, Failure};
use crate::path::{ChildKey, ChildPath};

/// Events kept for a subscriber that has not read them yet; a subscriber further behind learns
/// how many it missed (see [`EventStream::recv`]).
const CAPACITY: usize = 4096;

/// Something that happened in a tree.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Position in the tree's stream, from 1, without gaps; a gap seen by a subscriber means it
    /// lagged.
    pub seq: u64,
    /// When it happened (tokio's clock, so paused time in tests applies).
    #[cfg_attr(feature = "serde", serde(with = "crate::snapshot::instant"))]
    pub at: Instant,
    /// The child concerned; for supervisor-level events, the supervisor.
    pub path: ChildPath,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// The child concerned, as the typed key of its tree (`None` for the root itself).
    pub fn child<K: ChildKey>(&self) -> Option<K> {
        let segments: Vec<&str> = self.path.segments().skip(1).collect();
        if segments.is_empty() {
            return None;
        }
        K::from_segments(&segments)
    }

    /// If the child concerned is a pool's instance, its pool as the typed key of its tree and
    /// its place in the pool (see [`ChildPath::instance_of`](crate::ChildPath::instance_of)).
    pub fn instance<K: ChildKey>(&self) -> Option<crate::InstancePath<K>> {
        self.path.instance_of()
    }
}

/// What happened, in the order OTP's SASL reports would tell it.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// The child's task was spawned (a supervisor: it began starting its children).
    Started {
        /// Which start this is, from 0.
        generation: u64,
    },
    /// The child finished its init phase (or has none); for a supervisor, all its children
    /// started. The next sibling starts after this.
    Ready {
        /// Which start this is, from 0.
        generation: u64,
    },
    /// The child's init phase decided not to run ([`Ignore`](crate::Ignore)): it is kept as not
    /// running (a temporary child, or a pool's instance, is dropped).
    Ignored {
        /// Which start this was, from 0.
        generation: u64,
    },
    /// The child failed in its init phase.
    StartFailed {
        /// What went wrong.
        failure: Failure,
    },
    /// The child missed its heartbeat: it is being stopped, and its end counts as this
    /// failure for its restart.
    Unresponsive {
        /// The failure its end counts as.
        failure: Failure,
    },
    /// The child ended.
    Exited {
        /// Why.
        reason: ExitReason,
    },
    /// The supervisor decided to restart children after this child exited; `children` are the
    /// ones it will stop and start again, in start order.
    RestartDecided {
        /// The children that will be restarted, in start order.
        children: Arc<[ChildPath]>,
    },
    /// The restart just decided waits for the child's backoff delay (counted toward the
    /// intensity already); the children start again at `until`.
    RestartDelayed {
        /// The delay chosen.
        delay: Duration,
        /// When the restart happens (tokio's clock).
        #[cfg_attr(feature = "serde", serde(with = "crate::snapshot::instant"))]
        until: Instant,
    },
    /// This significant child ended and is not restarted, so its supervisor shuts itself down
    /// (OTP's `auto_shutdown`).
    AutoShutdown,
    /// The child needed more restarts within its own quarantine period than its limit: it is
    /// out of automatic restart until resumed, and this restart was not counted toward its
    /// supervisor's intensity.
    Quarantined {
        /// Its limit of restarts.
        max_restarts: u32,
        /// Within this period.
        period: Duration,
    },
    /// The child was paused by a handle: stopped, and kept so until resumed.
    Paused,
    /// The child was resumed by a handle, out of a pause or a quarantine.
    Resumed,
    /// The supervisor restarted more often than its intensity allows and is giving up.
    IntensityExceeded {
        /// The allowed restarts.
        max_restarts: u32,
        /// Within this period.
        period: Duration,
    },
    /// The supervisor began stopping all its children, in reverse start order.
    ShuttingDown,
    /// The tree has ended: the root supervisor's last event, with the root's path, once every
    /// child of the tree has ended. Every stream of the tree then reports
    /// [`RecvError::Closed`] once it has read the events before it, whoever still holds a
    /// [`TreeHandle`](crate::TreeHandle); a stream taken later reports it at once.
    TreeEnded {
        /// Why the root ended: `shutdown` after a requested shutdown (or one requested while
        /// it was starting), a failure when its intensity was exceeded or a child failed to
        /// start, a panic of the supervisor's own task, or `killed` if the runtime dropped it.
        reason: ExitReason,
    },
}

/// The sending side, shared by every supervisor of one tree. A lock around the counter and the
/// send keeps sequence numbers in delivery order; it is never held across an await.
#[derive(Clone)]
pub(crate) struct EventBus {
    inner: Arc<BusInner>,
}

struct BusInner {
    state: Mutex<BusState>,
    /// Whether the tree is ready: set once its root has started every child, cleared when the
    /// root begins to shut down.
    readiness: tokio::sync::watch::Sender<bool>,
    /// Live subscriptions, counted here so that a tree nobody listens to pays one atomic load
    /// per event instead of the lock.
    subscribers: Arc<AtomicUsize>,
}

struct BusState {
    seq: u64,
    channel: Channel,
    /// The most recent events, kept for a snapshot when the tree asks for a journal.
    journal: Option<Journal>,
}

/// A bounded ring of the most recent events.
struct Journal {
    capacity: usize,
    events: std::collections::VecDeque<Event>,
}

/// The channel of a tree's events.
enum Channel {
    /// Made by the first subscription: its buffer (`CAPACITY` slots, 384 KiB) is not worth
    /// allocating for a tree nobody listens to.
    Unmade,
    Open(broadcast::Sender<Event>),
    /// The tree has ended: its sender is dropped, so every stream reads what is left and then
    /// ends, whoever still holds a handle of the tree.
    Closed,
}

impl EventBus {
    pub(crate) fn new() -> Self {
        EventBus {
            inner: Arc::new(BusInner {
                readiness: tokio::sync::watch::Sender::new(false),
                state: Mutex::new(BusState {
                    seq: 0,
                    channel: Channel::Unmade,
                    journal: None,
                }),
                subscribers: Arc::new(AtomicUsize::new(0)),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BusState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn subscribe(&self) -> EventStream {
        let rx = {
            let mut state = self.lock();
            match &state.channel {
                Channel::Open(tx) => tx.subscribe(),
                Channel::Unmade => {
                    let (tx, rx) = broadcast::channel(CAPACITY);
                    state.channel = Channel::Open(tx);
                    rx
                }
                // The tree has ended: a stream that ends at once.
                Channel::Closed => broadcast::channel(1).1,
            }
        };
        self.inner.subscribers.fetch_add(1, Ordering::AcqRel);
        EventStream {
            rx,
            subscribers: self.inner.subscribers.clone(),
        }
    }

    /// Sends an event if anyone listens; the path and kind are only computed then. Inlined,
    /// so that a tree nobody listens to pays one load and a branch where it emits (four times
    /// a restart), not a call.
    #[inline]
    pub(crate) fn emit(&self, path: impl FnOnce() -> ChildPath, kind: impl FnOnce() -> EventKind) {
        if self.inner.subscribers.load(Ordering::Acquire) != 0 {
            self.send(path(), kind());
        }
    }

    #[cold]
    fn send(&self, path: ChildPath, kind: EventKind) {
        Self::send_locked(&mut self.lock(), path, kind);
    }

    fn send_locked(state: &mut BusState, path: ChildPath, kind: EventKind) {
        // A subscriber made the channel before it was counted.
        if !matches!(state.channel, Channel::Open(_)) && state.journal.is_none() {
            return;
        }
        state.seq += 1;
        let event = Event {
            seq: state.seq,
            at: Instant::now(),
            path,
            kind,
        };
        if let Some(journal) = &mut state.journal {
            if journal.events.len() == journal.capacity {
                journal.events.pop_front();
            }
            journal.events.push_back(event.clone());
        }
        if let Channel::Open(tx) = &state.channel {
            let _ = tx.send(event);
        }
    }

    /// The tree is ready (its root started every child), or no longer (it shuts down).
    pub(crate) fn set_ready(&self, ready: bool) {
        self.inner.readiness.send_replace(ready);
    }

    /// A watch of the tree's readiness.
    pub(crate) fn readiness(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.readiness.subscribe()
    }

    /// Keeps the `capacity` most recent events from now on, for snapshots. The journal counts
    /// as a subscriber: a tree with one builds its events, as one with a listener does.
    pub(crate) fn keep_journal(&self, capacity: usize) {
        if capacity == 0 {
            return;
        }
        let mut state = self.lock();
        if state.journal.is_none() {
            self.inner.subscribers.fetch_add(1, Ordering::AcqRel);
        }
        state.journal = Some(Journal {
            capacity,
            events: std::collections::VecDeque::with_capacity(capacity.min(1024)),
        });
    }

    /// The journal's events, oldest first (empty without a journal).
    pub(crate) fn journal(&self) -> Vec<Event> {
        self.lock()
            .journal
            .as_ref()
            .map(|j| j.events.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The tree whose root is at `path` has ended, for `reason`: announces it, last, and ends
    /// every stream once it has read what is left (and any stream taken from now on).
    pub(crate) fn end(&self, path: &ChildPath, reason: &ExitReason) {
        let mut state = self.lock();
        if self.inner.subscribers.load(Ordering::Acquire) != 0 {
            let kind = EventKind::TreeEnded {
                reason: reason.clone(),
            };
            Self::send_locked(&mut state, path.clone(), kind);
        }
        state.channel = Channel::Closed;
    }
}

/// A subscription to a tree's events, from
/// [`TreeHandle::subscribe`](crate::TreeHandle::subscribe) or
/// [`SupervisorSpec::subscribe`](crate::SupervisorSpec::subscribe).
#[derive(Debug)]
pub struct EventStream {
    rx: broadcast::Receiver<Event>,
    subscribers: Arc<AtomicUsize>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.subscribers.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Why [`EventStream::recv`] returned no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecvError {
    /// The subscriber fell behind and this many events were dropped; the next call continues
    /// with the oldest kept event.
    #[error("lagged behind by {0} events")]
    Lagged(u64),
    /// The tree has ended and every event has been read (the last was
    /// [`EventKind::TreeEnded`], unless the stream lagged past it).
    #[error("the tree has ended")]
    Closed,
}

impl EventStream {
    /// The next event; [`RecvError::Closed`] once the tree has ended and every event has been
    /// read, so a loop over a tree's events ends with the tree.
    pub async fn recv(&mut self) -> Result<Event, RecvError> {
        self.rx.recv().await.map_err(|e| match e {
            broadcast::error::RecvError::Lagged(n) => RecvError::Lagged(n),
            broadcast::error::RecvError::Closed => RecvError::Closed,
        })
    }

    /// The next event if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<Result<Event, RecvError>> {
        match self.rx.try_recv() {
            Ok(e) => Some(Ok(e)),
            Err(broadcast::error::TryRecvError::Empty) => None,
            Err(broadcast::error::TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
            Err(broadcast::error::TryRecvError::Closed) => Some(Err(RecvError::Closed)),
        }
    }
}
