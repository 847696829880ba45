//! The tree handle: which_children, count_children, child state, restart_child,
//! terminate_child, delete_child, start_child, with OTP's errors as typed errors carrying the
//! child's full path.

use std::time::Duration;

use supervisor::{
    ChildCounts, ChildError, ChildRef, ChildSpec, ChildType, FailureKind, Phase, Restart,
    SpecError, SupervisorSpec,
};
use supervisor_tests::{Log, Script, Scripted, Step, brief, until};

fn idle(name: &str, log: &Log) -> ChildSpec {
    ChildSpec::from_value(name, Scripted::<false>::new(&Script::default(), log))
}

fn tree_spec(log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .intensity(5, Duration::from_secs(5))
        .child(idle("db", log))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web").child(idle("acceptor", log)),
        ))
        .child(idle("cache", log).restart(Restart::Temporary))
}

fn path(e: &ChildError) -> String {
    match e {
        ChildError::NotFound { path }
        | ChildError::Running { path }
        | ChildError::Restarting { path }
        | ChildError::AlreadyPresent { path }
        | ChildError::AlreadyStarted { path }
        | ChildError::NotASupervisor { path }
        | ChildError::SupervisorNotRunning { path }
        | ChildError::StartFailed { path, .. } => path.to_string(),
        other => panic!("no path in {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn which_children_and_count_children_describe_the_tree_in_start_order() {
    let log = Log::default();
    let tree = tree_spec(&log).start().await.unwrap();
    let children = tree.which_children().await.unwrap();
    let names: Vec<(String, ChildType, Phase)> = children
        .iter()
        .map(|c| (c.path.to_string(), c.child_type, c.phase))
        .collect();
    assert_eq!(
        names,
        [
            ("app/db".into(), ChildType::Worker, Phase::Running),
            ("app/web".into(), ChildType::Supervisor, Phase::Running),
            ("app/cache".into(), ChildType::Worker, Phase::Running),
        ]
    );
    assert_eq!(
        tree.count_children().await.unwrap(),
        ChildCounts {
            specs: 3,
            active: 3,
            restarting: 0,
            supervisors: 1,
            workers: 2
        }
    );
    let nested = tree.which_children_of("web".into()).await.unwrap();
    assert_eq!(nested[0].path, "app/web/acceptor");
    assert_eq!(
        nested[0].child::<ChildRef>(),
        Some(ChildRef::from("web/acceptor"))
    );
    assert_eq!(
        tree.count_children_of("web".into()).await.unwrap().active,
        1
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn child_state_tracks_generation_restarts_and_the_last_failure() {
    let log = Log::default();
    let script = Script::new([Step::Fail]);
    let mut spec = SupervisorSpec::new("app")
        .intensity(5, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&script, &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let failed_at = tokio::time::Instant::now();
    until(&mut events, |e| brief(e) == "restart app/a [app/a]").await;
    let info = tree.child("a".into()).await.unwrap();
    assert_eq!(info.phase, Phase::Running);
    assert_eq!(info.starts, 2);
    assert_eq!(info.restart_count, 1);
    let last = info.last_failure.expect("a recorded failure");
    assert_eq!(last.failure.kind(), FailureKind::Error);
    assert_eq!(last.failure.message(), "app/a failed");
    assert_eq!(last.at, failed_at);
    // The worker saw the same numbers in its context.
    assert_eq!(log.with_prefix("run"), ["run app/a 0", "run app/a 1"]);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn terminate_restart_and_delete_follow_otp() {
    let log = Log::default();
    let tree = tree_spec(&log).start().await.unwrap();
    // A running child cannot be restarted or deleted.
    let e = tree.restart_child("db".into()).await.unwrap_err();
    assert!(matches!(e, ChildError::Running { .. }) && path(&e) == "app/db");
    let e = tree.delete_child("db".into()).await.unwrap_err();
    assert!(matches!(e, ChildError::Running { .. }));
    // Terminate keeps the spec, stopped; terminating again is fine.
    tree.terminate_child("db".into()).await.unwrap();
    tree.terminate_child("db".into()).await.unwrap();
    assert_eq!(tree.child("db".into()).await.unwrap().phase, Phase::Stopped);
    assert_eq!(log.with_prefix("stop"), ["stop app/db"]);
    // A terminated child is not restarted by its supervisor, only by restart_child.
    tree.restart_child("db".into()).await.unwrap();
    let db = tree.child("db".into()).await.unwrap();
    assert_eq!(
        (db.phase, db.starts, db.restart_count),
        (Phase::Running, 2, 0)
    );
    // Delete needs it stopped.
    tree.terminate_child("db".into()).await.unwrap();
    tree.delete_child("db".into()).await.unwrap();
    let e = tree.child("db".into()).await.unwrap_err();
    assert!(matches!(e, ChildError::NotFound { .. }) && path(&e) == "app/db");
    // Terminating a temporary child deletes its spec.
    tree.terminate_child("cache".into()).await.unwrap();
    assert!(matches!(
        tree.child("cache".into()).await,
        Err(ChildError::NotFound { .. })
    ));
    // Deep paths work the same way.
    tree.terminate_child("web/acceptor".into()).await.unwrap();
    assert_eq!(
        tree.child("web/acceptor".into()).await.unwrap().phase,
        Phase::Stopped
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn start_child_appends_a_new_child_last_and_reports_otp_errors() {
    let log = Log::default();
    let tree = tree_spec(&log).start().await.unwrap();
    tree.start_child(idle("metrics", &log)).await.unwrap();
    let names = supervisor_tests::paths(&tree.which_children().await.unwrap());
    assert_eq!(names, ["app/db", "app/web", "app/cache", "app/metrics"]);
    // Same name while running: already_started; while stopped: already_present.
    let e = tree.start_child(idle("metrics", &log)).await.unwrap_err();
    assert!(matches!(e, ChildError::AlreadyStarted { .. }) && path(&e) == "app/metrics");
    tree.terminate_child("metrics".into()).await.unwrap();
    let e = tree.start_child(idle("metrics", &log)).await.unwrap_err();
    assert!(matches!(e, ChildError::AlreadyPresent { .. }));
    // Under a nested supervisor.
    tree.start_child_under("web".into(), idle("tls", &log))
        .await
        .unwrap();
    assert_eq!(tree.which_children_of("web".into()).await.unwrap().len(), 2);
    // A failed start discards the spec and names the child.
    let failing = ChildSpec::from_value(
        "broken",
        Scripted::<true>::new(&Script::new([Step::FailInit]), &log),
    );
    let e = tree
        .start_child_under("web".into(), failing)
        .await
        .unwrap_err();
    assert!(matches!(e, ChildError::StartFailed { .. }) && path(&e) == "app/web/broken");
    assert!(tree.child("web/broken".into()).await.is_err());
    // An invalid spec is refused with a typed spec error.
    let e = tree
        .start_child(ChildSpec::supervisor(SupervisorSpec::new("empty")))
        .await
        .unwrap_err();
    let ChildError::Spec(SpecError::EmptySupervisor { path }) = e else {
        panic!("unexpected {e:?}")
    };
    assert_eq!(path, "app/empty");
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_restarting_child_reports_restarting_and_terminate_ends_its_retries() {
    let log = Log::default();
    // The child fails, then every restart fails in init: it stays `restarting` between tries.
    let script =
        Script::new(std::iter::once(Step::Fail).chain(std::iter::repeat_n(Step::FailInit, 1000)));
    let mut spec = SupervisorSpec::new("app")
        .intensity(10_000, Duration::from_secs(1))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<true>::new(&script, &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| brief(e) == "start_failed app/a").await;
    // The retry is queued behind this call, so the child is seen between attempts.
    let info = tree.child("a".into()).await.unwrap();
    assert_eq!(info.phase, Phase::Restarting);
    assert!(matches!(
        tree.restart_child("a".into()).await,
        Err(ChildError::Restarting { .. })
    ));
    assert!(matches!(
        tree.delete_child("a".into()).await,
        Err(ChildError::Restarting { .. })
    ));
    tree.terminate_child("a".into()).await.unwrap();
    let inits = log.with_prefix("init").len();
    assert_eq!(tree.child("a".into()).await.unwrap().phase, Phase::Stopped);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(log.with_prefix("init").len(), inits, "no more retries");
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn misnamed_children_give_typed_errors_with_the_full_path() {
    let log = Log::default();
    let tree = tree_spec(&log).start().await.unwrap();
    let e = tree.child("nope".into()).await.unwrap_err();
    assert_eq!(e.to_string(), "no child `app/nope`");
    let e = tree.restart_child("web/nope".into()).await.unwrap_err();
    assert!(matches!(e, ChildError::NotFound { .. }) && path(&e) == "app/web/nope");
    let e = tree.which_children_of("db".into()).await.unwrap_err();
    assert!(matches!(e, ChildError::NotASupervisor { .. }) && path(&e) == "app/db");
    let e = tree.terminate_child("db/x".into()).await.unwrap_err();
    assert!(matches!(e, ChildError::NotASupervisor { .. }));
    tree.terminate_child("web".into()).await.unwrap();
    let e = tree.child("web/acceptor".into()).await.unwrap_err();
    assert!(matches!(e, ChildError::SupervisorNotRunning { .. }) && path(&e) == "app/web");
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_tree_and_its_handle_print_with_debug_so_a_start_result_can_be_unwrapped() {
    let log = Log::default();
    // `unwrap_err` needs the `Ok` side, the tree, to be `Debug`.
    let error = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "a",
            Scripted::<true>::new(&Script::new([Step::FailInit]), &log),
        ))
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("app/a"), "{error}");

    let tree = tree_spec(&log).start().await.unwrap();
    let printed = format!("{tree:?}");
    assert!(
        printed.contains("Tree") && printed.contains("\"app\""),
        "{printed}"
    );
    let printed = format!("{:?}", tree.handle());
    assert!(
        printed.contains("TreeHandle") && printed.contains("\"app\""),
        "{printed}"
    );
    tree.shutdown().await.unwrap();
}
