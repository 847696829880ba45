//! Restart intensity: at most `max_restarts` within a sliding `period`; one more stops every
//! child in reverse start order and fails the supervisor, which its parent handles like any
//! child failure, up to the root, whose failure `Tree::join` returns.

use std::time::Duration;

use supervisor::{ChildSpec, FailureKind, Restart, SupervisorSpec, TreeError};
use supervisor_tests::{Log, Script, Scripted, Step, brief, briefs, drain, until};

fn failing(times: usize, step: Step) -> Script {
    Script::new(std::iter::repeat_n(step, times))
}

#[tokio::test(start_paused = true)]
async fn exceeding_intensity_stops_children_in_reverse_order_and_fails_the_root() {
    let log = Log::default();
    let idle = Script::default();
    let mut spec = SupervisorSpec::new("app")
        .intensity(2, Duration::from_secs(10))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&idle, &log),
        ))
        .child(ChildSpec::from_value(
            "b",
            Scripted::<false>::new(&failing(10, Step::Fail), &log),
        ))
        .child(ChildSpec::from_value(
            "c",
            Scripted::<false>::new(&idle, &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let error = tree.join().await.unwrap_err();
    let TreeError::Failed { path, failure } = error else {
        panic!("unexpected {error:?}")
    };
    assert_eq!(path, "app");
    assert_eq!(failure.kind(), FailureKind::IntensityExceeded);
    let seen = briefs(
        &drain(&mut events),
        &["restart", "intensity", "exited", "shutting"],
    );
    assert_eq!(
        seen,
        [
            "exited app/b failed",
            "restart app/b [app/b]",
            "exited app/b failed",
            "restart app/b [app/b]",
            "exited app/b failed",
            "intensity app",
            "shutting_down app",
            "exited app/c shutdown",
            "exited app/a shutdown",
        ]
    );
    // b ran three times: the first start and two restarts; the third restart was refused.
    assert_eq!(log.with_prefix("run app/b").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn zero_intensity_fails_on_the_first_restart() {
    let log = Log::default();
    let spec = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&failing(1, Step::Fail), &log),
        ));
    let tree = spec.start().await.unwrap();
    assert!(matches!(tree.join().await, Err(TreeError::Failed { .. })));
    assert_eq!(log.with_prefix("run").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn restarts_older_than_the_period_no_longer_count() {
    // 1 restart within 5 s; the child fails every 6 s, so there is never a second one within
    // any window of 5 s.
    let log = Log::default();
    let spec = SupervisorSpec::new("app")
        .intensity(1, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&failing(5, Step::FailAfter(Duration::from_secs(6))), &log),
        ));
    let tree = spec.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(6 * 5 + 1)).await;
    assert_eq!(
        log.with_prefix("run").len(),
        6,
        "five failures, five restarts"
    );
    let info = tree.child("a".into()).await.unwrap();
    assert_eq!(info.restart_count, 5);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn restarts_within_the_period_add_up() {
    // Same intensity, but failures 2 s apart: the second restart falls within 5 s of the first.
    let log = Log::default();
    let spec = SupervisorSpec::new("app")
        .intensity(1, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&failing(5, Step::FailAfter(Duration::from_secs(2))), &log),
        ));
    let tree = spec.start().await.unwrap();
    let began = tokio::time::Instant::now();
    assert!(tree.join().await.is_err());
    assert_eq!(began.elapsed(), Duration::from_secs(4));
    assert_eq!(log.with_prefix("run").len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_nested_supervisor_that_gives_up_is_restarted_by_its_parent_and_escalates() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .intensity(1, Duration::from_secs(60))
        .child(ChildSpec::from_value(
            "db",
            Scripted::<false>::new(&Script::default(), &log),
        ))
        .child(
            ChildSpec::supervisor(
                SupervisorSpec::new("web")
                    .intensity(1, Duration::from_secs(60))
                    .child(ChildSpec::from_value(
                        "acceptor",
                        Scripted::<false>::new(&failing(100, Step::Fail), &log),
                    )),
            )
            .restart(Restart::Permanent),
        );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let error = tree.join().await.unwrap_err();
    assert!(matches!(error, TreeError::Failed { ref path, .. } if path == "app"));
    let seen = briefs(
        &drain(&mut events),
        &["restart", "intensity", "exited app/web ", "exited app/db"],
    );
    assert_eq!(
        seen,
        [
            "restart app/web/acceptor [app/web/acceptor]",
            "intensity app/web",
            "exited app/web failed",
            "restart app/web [app/web]",
            "restart app/web/acceptor [app/web/acceptor]",
            "intensity app/web",
            "exited app/web failed",
            "intensity app",
            "exited app/db shutdown",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_transient_nested_supervisor_that_exits_by_shutdown_is_not_restarted() {
    // terminate_child on a nested supervisor stops it with `shutdown`; transient keeps it down.
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app").child(
        ChildSpec::supervisor(SupervisorSpec::new("web").child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&Script::default(), &log),
        )))
        .restart(Restart::Transient),
    );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    tree.terminate_child("web".into()).await.unwrap();
    let seen = until(&mut events, |e| brief(e) == "exited app/web shutdown").await;
    assert!(briefs(&seen, &["exited app/web/a"]) == ["exited app/web/a shutdown"]);
    assert_eq!(
        tree.child("web".into()).await.unwrap().phase,
        supervisor::Phase::Stopped
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_roots_failure_names_the_chain_of_children_that_gave_up_leaf_to_root() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .intensity(0, Duration::from_secs(5))
                .child(ChildSpec::from_value(
                    "db",
                    Scripted::<false>::new(&failing(1, Step::Fail), &log),
                )),
        ))
        .start()
        .await
        .unwrap();
    let Err(TreeError::Failed { path, failure }) = tree.join().await else {
        panic!("the root did not fail")
    };
    assert_eq!(path, "app");
    assert_eq!(failure.kind(), FailureKind::IntensityExceeded);
    let message = failure.to_string();
    let web = message.find("when `app/web` failed: reached max restart intensity");
    let db = message.find("when `app/web/db` failed: app/web/db failed");
    assert!(web.is_some() && db.is_some() && web < db, "{message}");
}
