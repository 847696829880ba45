//! A kit for testing your own tree's failure handling, deterministically (feature `testing`):
//! inject a failure or a panic into a running child named by its generated enum, await a given
//! event with a clear message when it does not come, and assert on the ordered event log in
//! one line. Run your test under tokio's paused time (`#[tokio::test(start_paused = true)]`),
//! so restarts, backoff delays and timeouts take no real time and happen in the same order
//! every run.
//!
//! ```
//! use std::time::Duration;
//! use supervisor::testing::Probe;
//! use supervisor::{ChildSpec, Context, Strategy, SupervisorSpec, Worker, WorkerResult};
//!
//! #[derive(Clone)]
//! struct Idle;
//!
//! impl Worker for Idle {
//!     async fn run(&mut self, ctx: &Context) -> WorkerResult {
//!         ctx.shutdown_requested().await;
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let tree = SupervisorSpec::new("app")
//!     .strategy(Strategy::RestForOne)
//!     .child(ChildSpec::from_value("db", Idle))
//!     .child(ChildSpec::from_value("web", Idle))
//!     .start()
//!     .await
//!     .unwrap();
//! let mut probe = Probe::new(&tree);
//! probe.crash(&tree, "db".into(), "connection reset").await;
//! probe.restarted("db".into()).await;
//! probe.assert_log(&[
//!     "exited app/db failed",
//!     "restart app/db [app/db, app/web]",
//!     "exited app/web shutdown",
//! ]);
//! tree.shutdown().await.unwrap();
//! # }
//! ```

use std::time::Duration;

use crate::error::ChildError;
use crate::event::{Event, EventKind, EventStream, RecvError};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::handle::TreeHandle;
use crate::path::ChildKey;
use crate::runtime::command::Op;

impl<K: ChildKey> TreeHandle<K> {
    /// Makes a running child crash with `failure`, as if its run had failed: its task is
    /// aborted at once and its end counts as the failure, restarted (or not) by its policy
    /// within its supervisor's intensity, as any failure. Returns once the supervisor has
    /// handled it. Fails with [`ChildError::NotRunning`] if the child is not running.
    pub async fn inject_failure(&self, child: K, failure: Failure) -> Result<(), ChildError> {
        self.ask(child.to_ref(), |reply| Op::Inject(failure, reply))
            .await
    }
}

/// Watches a tree's events for a test: see the [module](self) docs.
#[derive(Debug)]
pub struct Probe<K = crate::ChildRef> {
    events: EventStream,
    seen: Vec<Event>,
    /// How long (tokio's clock) an awaited event may take before the test fails.
    patience: Duration,
    _key: std::marker::PhantomData<fn(K) -> K>,
}

impl<K: ChildKey + PartialEq + std::fmt::Debug> Probe<K> {
    /// Subscribes to `tree`'s events from now on.
    pub fn new(tree: &TreeHandle<K>) -> Self {
        Probe::from_stream(tree.subscribe())
    }

    /// Watches an event stream taken earlier (e.g. from a spec's `subscribe` before `start`,
    /// to see the first starts too).
    pub fn from_stream(events: EventStream) -> Self {
        Probe {
            events,
            seen: Vec::new(),
            patience: Duration::from_secs(3600),
            _key: std::marker::PhantomData,
        }
    }

    /// How long an awaited event may take (tokio's clock; an hour by default, which paused
    /// time skips through in no time when nothing else is due).
    pub fn patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    /// Injects a failure with `message` into `child` (see
    /// [`TreeHandle::inject_failure`]); panics if the child is not running.
    #[track_caller]
    pub fn crash<'a>(
        &'a mut self,
        tree: &'a TreeHandle<K>,
        child: K,
        message: &str,
    ) -> impl std::future::Future<Output = ()> + 'a {
        let failure = Failure::new(FailureKind::Error, message);
        let caller = std::panic::Location::caller();
        async move {
            if let Err(error) = tree.inject_failure(child, failure).await {
                panic!("{caller}: could not inject a failure: {error}");
            }
        }
    }

    /// Injects a panic with `message` into `child`, as [`crash`](Self::crash) does a failure.
    pub async fn panic(&mut self, tree: &TreeHandle<K>, child: K, message: &str) {
        let failure = Failure::new(FailureKind::Panic, message);
        if let Err(error) = tree.inject_failure(child, failure).await {
            panic!("could not inject a panic: {error}");
        }
    }

    /// Waits for the first event from now that matches, described by `what` in the message of
    /// a test that fails because it never came (which lists every event that did).
    pub async fn until(&mut self, what: &str, matches: impl Fn(&Event) -> bool) -> Event {
        let deadline = tokio::time::Instant::now() + self.patience;
        loop {
            let next = tokio::time::timeout_at(deadline, self.events.recv()).await;
            match next {
                Ok(Ok(event)) => {
                    self.seen.push(event.clone());
                    if matches(&event) {
                        return event;
                    }
                }
                Ok(Err(RecvError::Lagged(n))) => {
                    panic!("the probe fell {n} events behind while waiting for {what}")
                }
                Ok(Err(RecvError::Closed)) => panic!(
                    "the tree ended before {what}; what happened:\n{}",
                    self.log().join("\n")
                ),
                Err(_) => panic!(
                    "{what} did not happen within {:?}; what happened:\n{}",
                    self.patience,
                    self.log().join("\n")
                ),
            }
        }
    }

    /// Waits until `child` has been restarted (its next run is ready).
    pub async fn restarted(&mut self, child: K) -> Event {
        let what = format!("a restart of {child:?}");
        self.until(&what, |e| {
            matches!(e.kind, EventKind::Ready { generation } if generation > 0)
                && e.child::<K>().as_ref() == Some(&child)
        })
        .await
    }

    /// Waits until `child` exits, and returns why.
    pub async fn exited(&mut self, child: K) -> ExitReason {
        let what = format!("an exit of {child:?}");
        let event = self
            .until(&what, |e| {
                matches!(e.kind, EventKind::Exited { .. })
                    && e.child::<K>().as_ref() == Some(&child)
            })
            .await;
        match event.kind {
            EventKind::Exited { reason } => reason,
            _ => unreachable!("matched an exit"),
        }
    }

    /// Takes in the events already waiting, without waiting for more.
    pub fn catch_up(&mut self) {
        while let Some(Ok(event)) = self.events.try_recv() {
            self.seen.push(event);
        }
    }

    /// Every event seen so far, in order.
    pub fn events(&self) -> &[Event] {
        &self.seen
    }

    /// Every event seen so far, one line each (see [`brief`]).
    pub fn log(&self) -> Vec<String> {
        self.seen.iter().map(brief).collect()
    }

    /// Asserts that the events seen so far (after catching up), keeping only the kinds that
    /// `expected` mentions (its lines' first words), are exactly `expected`, in order.
    #[track_caller]
    pub fn assert_log(&mut self, expected: &[&str]) {
        self.catch_up();
        let kinds: Vec<&str> = expected
            .iter()
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        let actual: Vec<String> = self
            .log()
            .into_iter()
            .filter(|line| {
                kinds
                    .iter()
                    .any(|k| line.split_whitespace().next() == Some(k))
            })
            .collect();
        assert_eq!(
            actual,
            expected,
            "the event log differs; everything seen:\n{}",
            self.log().join("\n")
        );
    }
}

/// One line for an event: `started app/db`, `ready app/db`, `exited app/db failed`,
/// `restart app/db [app/db, app/web]`, `delayed app/db`, `intensity app`, …
pub fn brief(event: &Event) -> String {
    let path = &event.path;
    match &event.kind {
        EventKind::Started { .. } => format!("started {path}"),
        EventKind::Ready { .. } => format!("ready {path}"),
        EventKind::Ignored { .. } => format!("ignored {path}"),
        EventKind::StartFailed { .. } => format!("start_failed {path}"),
        EventKind::Unresponsive { .. } => format!("unresponsive {path}"),
        EventKind::Exited { reason } => {
            let reason = match reason {
                ExitReason::Normal => "normal",
                ExitReason::Shutdown => "shutdown",
                ExitReason::ShutdownWith(_) => "shutdown_with",
                ExitReason::Failed(_) => "failed",
                ExitReason::Killed => "killed",
            };
            format!("exited {path} {reason}")
        }
        EventKind::RestartDecided { children } => {
            let names: Vec<String> = children.iter().map(ToString::to_string).collect();
            format!("restart {path} [{}]", names.join(", "))
        }
        EventKind::RestartDelayed { .. } => format!("delayed {path}"),
        EventKind::AutoShutdown => format!("auto_shutdown {path}"),
        EventKind::Quarantined { .. } => format!("quarantined {path}"),
        EventKind::Paused => format!("paused {path}"),
        EventKind::Resumed => format!("resumed {path}"),
        EventKind::IntensityExceeded { .. } => format!("intensity {path}"),
        EventKind::ShuttingDown => format!("shutting_down {path}"),
        EventKind::TreeEnded { .. } => format!("tree_ended {path}"),
    }
}
