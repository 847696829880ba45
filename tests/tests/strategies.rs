//! one_for_one, one_for_all and rest_for_one restart exactly OTP's sets: the others are stopped
//! in reverse start order and everything is started again in start order. Written on the
//! testing kit (`supervisor::testing`): a failure injected into `b`, the ordered event log
//! asserted in one line.

use std::time::Duration;

use supervisor::testing::Probe;
use supervisor::{ChildRef, ChildSpec, Phase, Restart, Strategy, SupervisorSpec};
use supervisor_tests::Idle;

/// Four idle children a, b, c, d (d with `d_restart`) under `strategy`, `b` crashed once, and
/// the probe that saw its restart through.
async fn crash_b(strategy: Strategy, d_restart: Restart) -> Probe {
    let tree = SupervisorSpec::new("app")
        .strategy(strategy)
        .intensity(5, Duration::from_secs(5))
        .child(ChildSpec::from_value("a", Idle))
        .child(ChildSpec::from_value("b", Idle))
        .child(ChildSpec::from_value("c", Idle))
        .child(ChildSpec::from_value("d", Idle).restart(d_restart))
        .start()
        .await
        .unwrap();
    let mut probe = Probe::new(&tree);
    probe.crash(&tree, "b".into(), "connection reset").await;
    probe.restarted(ChildRef::from("b")).await;
    tree.shutdown().await.unwrap();
    probe
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_failed_child() {
    let mut probe = crash_b(Strategy::OneForOne, Restart::Permanent).await;
    probe.assert_log(&[
        "exited app/b failed",
        "restart app/b [app/b]",
        "started app/b",
        // The shutdown that follows.
        "exited app/d shutdown",
        "exited app/c shutdown",
        "exited app/b shutdown",
        "exited app/a shutdown",
    ]);
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_others_in_reverse_order_and_restarts_all_in_start_order() {
    let mut probe = crash_b(Strategy::OneForAll, Restart::Permanent).await;
    probe.assert_log(&[
        "exited app/b failed",
        "restart app/b [app/a, app/b, app/c, app/d]",
        "exited app/d shutdown",
        "exited app/c shutdown",
        "exited app/a shutdown",
        "started app/a",
        "started app/b",
        "started app/c",
        "started app/d",
        // The shutdown that follows.
        "exited app/d shutdown",
        "exited app/c shutdown",
        "exited app/b shutdown",
        "exited app/a shutdown",
    ]);
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_failed_child_and_those_started_after_it() {
    let mut probe = crash_b(Strategy::RestForOne, Restart::Permanent).await;
    probe.assert_log(&[
        "exited app/b failed",
        "restart app/b [app/b, app/c, app/d]",
        "exited app/d shutdown",
        "exited app/c shutdown",
        "started app/b",
        "started app/c",
        "started app/d",
        // The shutdown that follows.
        "exited app/d shutdown",
        "exited app/c shutdown",
        "exited app/b shutdown",
        "exited app/a shutdown",
    ]);
}

#[tokio::test(start_paused = true)]
async fn temporary_bystanders_are_stopped_and_dropped_not_restarted() {
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let mut probe = crash_b(strategy, Restart::Temporary).await;
        probe.catch_up();
        let log = probe.log();
        let restart = log.iter().find(|l| l.starts_with("restart")).unwrap();
        assert!(
            !restart.contains("app/d"),
            "d is not in the restart set: {restart}"
        );
        assert!(log.contains(&"exited app/d shutdown".to_owned()), "{log:?}");
        assert!(!log.contains(&"started app/d".to_owned()), "{log:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn one_for_all_brings_back_a_child_stopped_with_terminate_child() {
    let tree = SupervisorSpec::new("app")
        .strategy(Strategy::OneForAll)
        .intensity(5, Duration::from_secs(5))
        .child(ChildSpec::from_value("a", Idle))
        .child(ChildSpec::from_value("b", Idle))
        .start()
        .await
        .unwrap();
    tree.terminate_child("b".into()).await.unwrap();
    assert_eq!(tree.child("b".into()).await.unwrap().phase, Phase::Stopped);
    let mut probe = Probe::new(&tree);
    probe.crash(&tree, "a".into(), "a failed").await;
    probe.restarted(ChildRef::from("b")).await;
    let b = tree.child("b".into()).await.unwrap();
    assert_eq!((b.phase, b.starts), (Phase::Running, 2));
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
#[should_panic(
    expected = "a restart of ChildRef(b) did not happen within 1s; what happened:\nexited app/b failed"
)]
async fn a_probe_that_waits_in_vain_says_what_did_happen() {
    // Temporary: b is not restarted, so the wait runs out and the message lists the events.
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::from_value("b", Idle).restart(Restart::Temporary))
        .child(ChildSpec::from_value("c", Idle))
        .start()
        .await
        .unwrap();
    let mut probe = Probe::new(&tree).patience(Duration::from_secs(1));
    probe.crash(&tree, "b".into(), "gone").await;
    probe.restarted(ChildRef::from("b")).await;
}
