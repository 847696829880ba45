//! one_for_one, one_for_all and rest_for_one restart exactly OTP's sets: the others are stopped
//! in reverse start order and everything is started again in start order.

use std::time::Duration;

use supervisor::{ChildRef, ChildSpec, Phase, Restart, Strategy, SupervisorSpec};
use supervisor_tests::{Log, Script, Scripted, Step, briefs, until};

/// Four children a, b, c, d (d with `d_restart`); `b` fails on its first run. Returns the
/// start/stop events from b's failure until the restart is complete.
async fn restart_after_b_fails(strategy: Strategy, d_restart: Restart) -> Vec<String> {
    let log = Log::default();
    let worker = |script: &Script| Scripted::<false>::new(script, &log);
    let idle = Script::default();
    let mut spec = SupervisorSpec::new("app")
        .strategy(strategy)
        .intensity(5, Duration::from_secs(5))
        .child(ChildSpec::from_value("a", worker(&idle)))
        .child(ChildSpec::from_value(
            "b",
            worker(&Script::new([Step::Fail])),
        ))
        .child(ChildSpec::from_value("c", worker(&idle)))
        .child(ChildSpec::from_value("d", worker(&idle)).restart(d_restart));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| {
        e.path.as_str() == "app/b" && matches!(e.kind, supervisor::EventKind::Exited { .. })
    })
    .await;
    // The restart is complete once b is running again and the supervisor answers a call.
    let seen = until(&mut events, |e| supervisor_tests::brief(e) == "ready app/b").await;
    let _ = tree.which_children().await.unwrap();
    let mut seen = seen;
    seen.extend(supervisor_tests::drain(&mut events));
    tree.shutdown().await.unwrap();
    briefs(&seen, &["restart", "exited", "started"])
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_failed_child() {
    let seen = restart_after_b_fails(Strategy::OneForOne, Restart::Permanent).await;
    assert_eq!(seen, ["restart app/b [app/b]", "started app/b"]);
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_others_in_reverse_order_and_restarts_all_in_start_order() {
    let seen = restart_after_b_fails(Strategy::OneForAll, Restart::Permanent).await;
    assert_eq!(
        seen,
        [
            "restart app/b [app/a, app/b, app/c, app/d]",
            "exited app/d shutdown",
            "exited app/c shutdown",
            "exited app/a shutdown",
            "started app/a",
            "started app/b",
            "started app/c",
            "started app/d",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_failed_child_and_those_started_after_it() {
    let seen = restart_after_b_fails(Strategy::RestForOne, Restart::Permanent).await;
    assert_eq!(
        seen,
        [
            "restart app/b [app/b, app/c, app/d]",
            "exited app/d shutdown",
            "exited app/c shutdown",
            "started app/b",
            "started app/c",
            "started app/d",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn temporary_bystanders_are_stopped_and_dropped_not_restarted() {
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let seen = restart_after_b_fails(strategy, Restart::Temporary).await;
        assert!(
            seen.contains(&"exited app/d shutdown".to_owned()),
            "{seen:?}"
        );
        assert!(!seen.contains(&"started app/d".to_owned()), "{seen:?}");
        assert!(
            !seen[0].contains("app/d"),
            "d is not in the restart set: {seen:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn one_for_all_brings_back_a_child_stopped_with_terminate_child() {
    let log = Log::default();
    let a_script = Script::default();
    let mut spec = SupervisorSpec::new("app")
        .strategy(Strategy::OneForAll)
        .intensity(5, Duration::from_secs(5))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&a_script, &log),
        ))
        .child(ChildSpec::from_value(
            "b",
            Scripted::<false>::new(&Script::default(), &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    tree.terminate_child(ChildRef::from("b")).await.unwrap();
    assert_eq!(
        tree.child(ChildRef::from("b")).await.unwrap().phase,
        Phase::Stopped
    );
    // Now a fails: stop it, script its next run to fail, and start it again by hand.
    tree.terminate_child(ChildRef::from("a")).await.unwrap();
    a_script.then([Step::Fail]);
    tree.restart_child(ChildRef::from("a")).await.unwrap();
    until(&mut events, |e| supervisor_tests::brief(e) == "ready app/b").await;
    let b = tree.child(ChildRef::from("b")).await.unwrap();
    assert_eq!(b.phase, Phase::Running);
    assert_eq!(b.starts, 2);
    tree.shutdown().await.unwrap();
}
