//! A `tracing` subscriber that panics cannot take a supervisor down: the supervisor's own logs
//! and spans survive it, as a worker's panic is survived, and the tree goes on (restarts,
//! stops in order, reports how it ended). Its own test binary: the subscribers here are
//! installed per thread, and panic on purpose.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use supervisor::{
    ChildRef, ChildSpec, EventKind, FailureKind, PoolKey, PoolSpec, SupervisorSpec, TreeError,
};
use supervisor_tests::{Log, Script, Scripted, Step, until};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Where a [`Panicky`] subscriber panics.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Panics {
    /// On every error-level event.
    OnErrors,
    /// On every event, new span, span entry and exit, and span close.
    OnEverything,
}

/// A subscriber that wants everything and panics at the points its mode says.
struct Panicky {
    panics: Panics,
    next_id: AtomicU64,
}

impl Panicky {
    fn new(panics: Panics) -> Self {
        Panicky {
            panics,
            next_id: AtomicU64::new(1),
        }
    }

    fn everywhere(&self, what: &str) {
        if self.panics == Panics::OnEverything {
            panic!("the subscriber panics on {what}");
        }
    }
}

impl Subscriber for Panicky {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        self.everywhere("a new span");
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if *event.metadata().level() == Level::ERROR {
            panic!("the subscriber panics on an error");
        }
        self.everywhere("an event");
    }

    fn enter(&self, _: &Id) {
        self.everywhere("entering a span");
    }

    fn exit(&self, _: &Id) {
        self.everywhere("leaving a span");
    }

    fn try_close(&self, _: Id) -> bool {
        self.everywhere("closing a span");
        true
    }
}

/// app { a (fails once, then idles), web { b (init; fails to restart once) }, c }.
fn tree(log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .intensity(10, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&Script::new([Step::Fail]), log),
        ))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .intensity(10, Duration::from_secs(5))
                .child(ChildSpec::from_value(
                    "b",
                    Scripted::<true>::new(&Script::new([Step::Fail, Step::FailInit]), log),
                )),
        ))
        .child(ChildSpec::from_value(
            "c",
            Scripted::<false>::new(&Script::default(), log),
        ))
}

/// Runs the tree under a subscriber that panics as `panics` says: its failures are restarted
/// (a failed restart retried), it shuts down in reverse start order, and its end is told.
async fn survives(panics: Panics) {
    let _default = tracing::subscriber::set_default(Panicky::new(panics));
    let log = Log::default();
    let mut spec = tree(&log);
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    // a restarted once; b restarted, its restart's init failed, and retried.
    let mut pending = vec![("app/a", 1), ("app/web/b", 2)];
    while !pending.is_empty() {
        let seen = until(&mut events, |e| matches!(e.kind, EventKind::Ready { .. })).await;
        let ready = seen.last().unwrap();
        if let EventKind::Ready { generation } = ready.kind {
            pending.retain(|&(path, g)| !(ready.path == path && g == generation));
        }
    }
    tree.shutdown().await.unwrap();
    assert_eq!(
        log.with_prefix("stop"),
        ["stop app/c", "stop app/web/b", "stop app/a"],
        "{:#?}",
        log.entries()
    );
}

#[tokio::test(start_paused = true)]
async fn a_subscriber_that_panics_on_errors_does_not_take_the_supervisor_down() {
    survives(Panics::OnErrors).await;
}

#[tokio::test(start_paused = true)]
async fn a_subscriber_that_panics_everywhere_does_not_take_the_supervisor_down() {
    survives(Panics::OnEverything).await;
}

#[tokio::test(start_paused = true)]
async fn a_root_that_gives_up_under_a_panicking_subscriber_still_says_why() {
    let _default = tracing::subscriber::set_default(Panicky::new(Panics::OnEverything));
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&Script::new([Step::Fail]), &log),
        ))
        .child(ChildSpec::from_value(
            "b",
            Scripted::<false>::new(&Script::default(), &log),
        ))
        .start()
        .await
        .unwrap();
    let error = tree.join().await.unwrap_err();
    assert!(
        matches!(&error, TreeError::Failed { failure, .. }
            if failure.kind() == FailureKind::IntensityExceeded),
        "{error:?}"
    );
    // Its other child was stopped, not aborted.
    assert_eq!(log.with_prefix("stop"), ["stop app/b"]);
}

#[tokio::test(start_paused = true)]
async fn a_pool_survives_a_panicking_subscriber_too() {
    for panics in [Panics::OnErrors, Panics::OnEverything] {
        let _default = tracing::subscriber::set_default(Panicky::new(panics));
        let log = Log::default();
        let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(
            PoolSpec::<Scripted<true>>::workers("conns").intensity(10, Duration::from_secs(5)),
        ));
        let mut events = spec.subscribe();
        let tree = spec.start().await.unwrap();
        let pool = tree
            .pool(PoolKey::<ChildRef, Scripted<true>>::new("conns".into()))
            .await
            .unwrap();
        // It fails, its restart's init fails (the pool logs an error), and the retry runs.
        let script = Script::new([Step::Fail, Step::FailInit]);
        pool.start(Scripted::<true>::new(&script, &log))
            .await
            .unwrap();
        until(&mut events, |e| {
            e.path == "app/conns/0" && e.kind == EventKind::Ready { generation: 2 }
        })
        .await;
        tree.shutdown().await.unwrap();
        assert_eq!(log.with_prefix("stop"), ["stop app/conns/0"]);
    }
}
