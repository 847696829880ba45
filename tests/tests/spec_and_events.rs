//! Bad specs are refused before anything starts, with typed errors naming the full path; the
//! event stream numbers its events without gaps; the worker's context tells it who it is.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use supervisor::{
    ChildRef, ChildSpec, Context, Event, EventKind, EventStream, ExitReason, FailureKind,
    RecvError, SpecError, StartError, SupervisorSpec, Worker, WorkerResult,
};
use supervisor_tests::{Log, PATIENCE, Script, Scripted, Step, drain, until};

fn idle(name: &str) -> ChildSpec {
    ChildSpec::from_value(
        name,
        Scripted::<false>::new(&Script::default(), &Log::default()),
    )
}

fn error_path(e: &SpecError) -> String {
    match e {
        SpecError::DuplicateChild { path }
        | SpecError::InvalidName { path }
        | SpecError::EmptySupervisor { path }
        | SpecError::ZeroPeriod { path }
        | SpecError::PeriodTooLong { path, .. } => path.to_string(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_specs_are_refused_with_the_path_concerned() {
    let nested =
        |inner: SupervisorSpec| SupervisorSpec::new("app").child(ChildSpec::supervisor(inner));
    let cases: Vec<(SupervisorSpec, &str, &str)> = vec![
        (
            SupervisorSpec::new("app").child(idle("a")).child(idle("a")),
            "duplicate",
            "app/a",
        ),
        (
            nested(SupervisorSpec::new("web").child(idle("x")).child(idle("x"))),
            "duplicate",
            "app/web/x",
        ),
        (SupervisorSpec::new("app"), "empty", "app"),
        (nested(SupervisorSpec::new("web")), "empty", "app/web"),
        (
            SupervisorSpec::new("app")
                .child(idle("a"))
                .intensity(1, Duration::ZERO),
            "zero",
            "app",
        ),
        (
            nested(
                SupervisorSpec::new("web")
                    .child(idle("a"))
                    .intensity(1, Duration::MAX),
            ),
            "too long",
            "app/web",
        ),
        (
            SupervisorSpec::new("app").child(idle("")),
            "invalid",
            "app/",
        ),
        (
            SupervisorSpec::new("app").child(idle("a/b")),
            "invalid",
            "app/a/b",
        ),
    ];
    for (spec, what, path) in cases {
        let e = spec.validate().unwrap_err();
        let kind_ok = match what {
            "duplicate" => matches!(e, SpecError::DuplicateChild { .. }),
            "empty" => matches!(e, SpecError::EmptySupervisor { .. }),
            "zero" => matches!(e, SpecError::ZeroPeriod { .. }),
            "too long" => matches!(e, SpecError::PeriodTooLong { .. }),
            _ => matches!(e, SpecError::InvalidName { .. }),
        };
        assert!(kind_ok, "{what}: got {e:?}");
        assert_eq!(error_path(&e), path);
        // start() refuses it the same way, starting nothing.
        assert_eq!(spec.start().await.err(), Some(StartError::Spec(e)));
    }
}

#[test]
fn spec_errors_read_as_sentences() {
    let e = SupervisorSpec::new("app")
        .child(idle("a"))
        .child(idle("a"))
        .validate()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "duplicate child name `app/a`: children of one supervisor need distinct names"
    );
}

#[tokio::test(start_paused = true)]
async fn events_are_numbered_without_gaps_and_name_their_child() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .intensity(5, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&Script::new([Step::Fail]), &log),
        ))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web").child(idle("b")),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let mut first = until(&mut events, |e| {
        matches!(e.kind, EventKind::RestartDecided { .. })
    })
    .await;
    tree.shutdown().await.unwrap();
    first.extend(drain(&mut events));
    let seqs: Vec<u64> = first.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    assert!(first.iter().any(|e| e.path == "app/a"
        && matches!(&e.kind, EventKind::Exited { reason } if reason.is_abnormal())));

    // A smaller tree, every event in order.
    let mut spec2 = SupervisorSpec::new("app2").child(idle("x"));
    let mut second = spec2.subscribe();
    spec2.start().await.unwrap().shutdown().await.unwrap();
    let all = drain(&mut second);
    let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let kinds: Vec<&str> = all
        .iter()
        .map(|e| match e.kind {
            EventKind::Started { .. } => "started",
            EventKind::Ready { .. } => "ready",
            EventKind::Exited { .. } => "exited",
            EventKind::ShuttingDown => "shutting_down",
            EventKind::TreeEnded { .. } => "tree_ended",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "started",
            "ready",
            "ready",
            "shutting_down",
            "exited",
            "tree_ended"
        ]
    );
    assert_eq!(all[1].child::<ChildRef>(), Some(ChildRef::from("x")));
    assert_eq!(all[0].child::<ChildRef>(), None, "the root is not a child");
}

/// Records what its context says, then waits for the shutdown request.
#[derive(Clone)]
struct Introspect(Arc<Mutex<Vec<Seen>>>);

/// Path, name, generation, restart count, shutdown requested.
type Seen = (String, String, u64, u64, bool);

impl Worker for Introspect {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let seen = (
            ctx.path().to_string(),
            ctx.name().to_owned(),
            ctx.generation(),
            ctx.restart_count(),
            ctx.is_shutdown_requested(),
        );
        self.0.lock().unwrap().push(seen);
        if ctx.generation() == 0 {
            return Err("first run fails".into());
        }
        ctx.shutdown_requested().await;
        assert!(ctx.cancellation_token().is_cancelled());
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn the_context_gives_path_generation_restarts_and_shutdown() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut spec = SupervisorSpec::new("app")
        .intensity(5, Duration::from_secs(1))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .intensity(5, Duration::from_secs(1))
                .child(ChildSpec::from_value("acceptor", Introspect(seen.clone()))),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| {
        e.path == "app/web/acceptor" && e.kind == EventKind::Ready { generation: 1 }
    })
    .await;
    tree.shutdown().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("app/web/acceptor".into(), "acceptor".into(), 0, 0, false),
            ("app/web/acceptor".into(), "acceptor".into(), 1, 1, false),
        ]
    );
}

/// Reads a stream to its end, failing (after `PATIENCE` of paused time) if it never ends.
async fn read_to_the_end(events: &mut EventStream) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(PATIENCE, events.recv()).await {
            Err(_) => panic!("the stream never ended; read {seen:#?}"),
            Ok(Ok(event)) => seen.push(event),
            Ok(Err(RecvError::Closed)) => return seen,
            Ok(Err(lagged)) => panic!("the test's subscriber {lagged}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn every_event_stream_ends_once_the_tree_has_ended_whoever_holds_a_handle() {
    let mut spec = SupervisorSpec::new("app").child(idle("a"));
    let mut early = spec.subscribe();
    let tree = spec.start().await.unwrap();
    // Held past the tree's end: it must not keep the streams open.
    let handle = tree.handle();
    let mut late = handle.subscribe();
    tree.shutdown().await.unwrap();

    let early = read_to_the_end(&mut early).await;
    let late = read_to_the_end(&mut late).await;
    assert!(late.len() < early.len(), "{late:#?}");
    for seen in [&early, &late] {
        // The root's end is announced last, with the root's path.
        let last = seen.last().unwrap();
        assert_eq!(last.path, "app");
        assert_eq!(
            last.kind,
            EventKind::TreeEnded {
                reason: ExitReason::Shutdown
            }
        );
        assert_eq!(last.seq, early.last().unwrap().seq);
    }
    // A stream taken after the end has nothing to read.
    let mut after = handle.subscribe();
    assert!(read_to_the_end(&mut after).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_failed_root_ends_its_streams_with_its_failure() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&Script::new([Step::Fail]), &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let _handle = tree.handle();
    tree.join().await.unwrap_err();
    let seen = read_to_the_end(&mut events).await;
    let last = seen.last().unwrap();
    assert!(
        matches!(&last.kind, EventKind::TreeEnded { reason: ExitReason::Failed(f) }
            if f.kind() == FailureKind::IntensityExceeded),
        "{last:?}"
    );

    // A root that fails to start ends its streams too.
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::from_value(
        "a",
        Scripted::<true>::new(&Script::new([Step::FailInit]), &log),
    ));
    let mut events = spec.subscribe();
    spec.start().await.unwrap_err();
    let seen = read_to_the_end(&mut events).await;
    let last = seen.last().unwrap();
    assert!(
        matches!(&last.kind, EventKind::TreeEnded { reason: ExitReason::Failed(f) }
            if f.kind() == FailureKind::StartFailed),
        "{last:?}"
    );
}
