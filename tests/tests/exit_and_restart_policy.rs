//! Exit reasons (normal, shutdown, failed by error or panic, killed) and the full OTP matrix of
//! restart policy × exit reason.

use std::time::Duration;

use supervisor::{
    ChildRef, ChildSpec, EventKind, ExitReason, FailureKind, Phase, Restart, Shutdown,
    SupervisorSpec,
};
use supervisor_tests::{Log, PanicsWhenDropped, Script, Scripted, Step, brief, until};

fn tree(restart: Restart, script: &Script, log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .intensity(10, Duration::from_secs(5))
        .child(ChildSpec::from_value("w", Scripted::<false>::new(script, log)).restart(restart))
        .child(ChildSpec::from_value(
            "other",
            Scripted::<false>::new(&Script::default(), log),
        ))
}

/// Runs a child whose first run ends with `step`, and returns the exit reason seen and what
/// happened to the child afterwards: `Some(phase)` or `None` when its spec was deleted.
async fn exit_once(restart: Restart, step: Step) -> (ExitReason, Option<(Phase, u64)>) {
    let log = Log::default();
    let script = Script::new([step]);
    let mut spec = tree(restart, &script, &log);
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let seen = until(&mut events, |e| {
        e.path == "app/w" && matches!(e.kind, supervisor::EventKind::Exited { .. })
    })
    .await;
    let supervisor::EventKind::Exited { reason } = &seen.last().unwrap().kind else {
        unreachable!()
    };
    let reason = reason.clone();
    // Let the supervisor finish its decision (a restart, if any) before asking.
    if restart.restarts_after(&reason) {
        until(&mut events, |e| brief(e) == "ready app/w").await;
    }
    let after = match tree.child(ChildRef::from("w")).await {
        Ok(info) => Some((info.phase, info.starts)),
        Err(supervisor::ChildError::NotFound { path }) => {
            assert_eq!(path, "app/w");
            None
        }
        Err(e) => panic!("unexpected {e}"),
    };
    tree.shutdown().await.unwrap();
    (reason, after)
}

#[tokio::test(start_paused = true)]
async fn ok_is_a_normal_exit() {
    let (reason, _) = exit_once(Restart::Transient, Step::Exit).await;
    assert_eq!(reason, ExitReason::Normal);
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_with_a_reason_is_no_failure_and_follows_otps_shutdown_column() {
    let step = || Step::ShutdownWith("the upstream closed");
    let (reason, after) = exit_once(Restart::Transient, step()).await;
    assert_eq!(
        reason,
        ExitReason::ShutdownWith(supervisor::ShutdownReason::new("the upstream closed"))
    );
    assert!(!reason.is_abnormal());
    assert_eq!(reason.to_string(), "shutdown: the upstream closed");
    // Transient: kept, stopped, no failure recorded.
    assert_eq!(after, Some((Phase::Stopped, 1)));
    // Permanent: restarted; temporary: deleted.
    assert_eq!(
        exit_once(Restart::Permanent, step()).await.1,
        Some((Phase::Running, 2))
    );
    assert_eq!(exit_once(Restart::Temporary, step()).await.1, None);
}

#[tokio::test(start_paused = true)]
async fn err_is_a_failure_with_the_error_message() {
    let (reason, _) = exit_once(Restart::Transient, Step::Fail).await;
    let failure = reason.failure().expect("a failure");
    assert_eq!(failure.kind(), FailureKind::Error);
    assert_eq!(failure.message(), "app/w failed");
    assert!(reason.is_abnormal());
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_caught_as_a_failure_with_its_message() {
    let (reason, after) = exit_once(Restart::Permanent, Step::Panic).await;
    let failure = reason.failure().expect("a failure");
    assert_eq!(failure.kind(), FailureKind::Panic);
    assert_eq!(failure.message(), "app/w panicked");
    // The supervisor survived and restarted the child.
    assert_eq!(after, Some((Phase::Running, 2)));
}

#[tokio::test(start_paused = true)]
async fn permanent_is_restarted_after_every_exit() {
    for step in [Step::Exit, Step::Fail, Step::Panic] {
        let (_, after) = exit_once(Restart::Permanent, step.clone()).await;
        assert_eq!(after, Some((Phase::Running, 2)), "after {step:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn transient_is_kept_stopped_after_a_normal_exit_and_restarted_after_a_failure() {
    let (_, after) = exit_once(Restart::Transient, Step::Exit).await;
    assert_eq!(after, Some((Phase::Stopped, 1)));
    for step in [Step::Fail, Step::Panic] {
        let (_, after) = exit_once(Restart::Transient, step.clone()).await;
        assert_eq!(after, Some((Phase::Running, 2)), "after {step:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn temporary_is_never_restarted_and_its_spec_is_deleted() {
    for step in [Step::Exit, Step::Fail, Step::Panic] {
        let (_, after) = exit_once(Restart::Temporary, step.clone()).await;
        assert_eq!(after, None, "after {step:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_requested_stop_is_shutdown_and_an_ignored_one_is_killed_after_the_timeout() {
    let log = Log::default();
    let hang = Script::new([Step::Hang]);
    let mut spec = SupervisorSpec::new("app")
        .child(
            ChildSpec::from_value("stubborn", Scripted::<false>::new(&hang, &log))
                .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        )
        .child(ChildSpec::from_value(
            "polite",
            Scripted::<false>::new(&Script::default(), &log),
        ))
        .child(
            ChildSpec::from_value("brutal", Scripted::<false>::new(&Script::default(), &log))
                .shutdown(Shutdown::Brutal),
        );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let started = tokio::time::Instant::now();
    tree.shutdown().await.unwrap();
    let exits: Vec<String> = supervisor_tests::drain(&mut events)
        .iter()
        .map(brief)
        .filter(|b| b.starts_with("exited"))
        .collect();
    assert_eq!(
        exits,
        [
            "exited app/brutal killed",
            "exited app/polite shutdown",
            "exited app/stubborn killed"
        ]
    );
    // The stubborn child was given its whole timeout before it was aborted.
    assert!(started.elapsed() >= Duration::from_secs(2));
    // The brutal child never saw a shutdown request; the polite one did.
    assert_eq!(log.with_prefix("stop"), ["stop app/polite"]);
}

#[tokio::test(start_paused = true)]
async fn restart_policy_matrix_matches_otp() {
    use ExitReason::*;
    let failed = Failed(supervisor::Failure::new(FailureKind::Error, "x"));
    let cases = [
        (Restart::Permanent, Normal, true),
        (Restart::Permanent, Shutdown, true),
        (Restart::Permanent, failed.clone(), true),
        (Restart::Permanent, Killed, true),
        (Restart::Transient, Normal, false),
        (Restart::Transient, Shutdown, false),
        (Restart::Transient, failed.clone(), true),
        (Restart::Transient, Killed, true),
        (Restart::Temporary, Normal, false),
        (Restart::Temporary, Shutdown, false),
        (Restart::Temporary, failed, false),
        (Restart::Temporary, Killed, false),
    ];
    for (policy, reason, restarts) in cases {
        assert_eq!(
            policy.restarts_after(&reason),
            restarts,
            "{policy:?} × {reason}"
        );
    }
}

/// `n` temporary children `t0`, `t1`… that fail after 0.5 s and are removed, then `after`,
/// started behind them, which fails after 1 s and is restarted.
fn temporaries_then_after(n: usize, log: &Log) -> SupervisorSpec {
    let fails_after = |delay| Scripted::<false>::new(&Script::new([Step::FailAfter(delay)]), log);
    let mut spec = SupervisorSpec::new("app").intensity(10, Duration::from_secs(5));
    for i in 0..n {
        spec = spec.child(
            ChildSpec::from_value(format!("t{i}"), fails_after(Duration::from_millis(500)))
                .restart(Restart::Temporary),
        );
    }
    spec.child(ChildSpec::from_value(
        "after",
        fails_after(Duration::from_secs(1)),
    ))
}

/// Waits for the restart of `after`.
async fn after_restarted(events: &mut supervisor::EventStream) {
    until(events, |e| {
        matches!(e.kind, EventKind::Started { generation: 1 }) && e.path == "app/after"
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn children_after_a_removed_temporary_are_still_found_by_their_exits_and_names() {
    let log = Log::default();
    // `t0`'s slot is removed before `after` fails: its exit must still find it, and so must a
    // call by name.
    let mut spec = temporaries_then_after(1, &log);
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    // Named once before the removal, so the name index exists while `t0` is removed.
    assert_eq!(tree.child("after".into()).await.unwrap().starts, 1);
    after_restarted(&mut events).await;
    let info = tree.child("after".into()).await.unwrap();
    assert_eq!((info.starts, info.restart_count), (2, 1));
    assert!(tree.child("t0".into()).await.is_err());
    assert_eq!(tree.which_children().await.unwrap().len(), 1);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn many_removed_temporaries_leave_the_others_found_and_listed() {
    let log = Log::default();
    // 40 removed temporaries: enough for their slots to be compacted away.
    let mut spec = temporaries_then_after(40, &log);
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    assert_eq!(tree.count_children().await.unwrap().specs, 41);
    after_restarted(&mut events).await;
    let counts = tree.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (1, 1));
    let listed = supervisor_tests::paths(&tree.which_children().await.unwrap());
    assert_eq!(listed, ["app/after"]);
    assert_eq!(tree.child("after".into()).await.unwrap().restart_count, 1);
    assert!(tree.child("t7".into()).await.is_err());
    // A removed name can be used again, for a new child last in start order.
    tree.start_child(ChildSpec::from_value(
        "t7",
        Scripted::<false>::new(&Script::default(), &log),
    ))
    .await
    .unwrap();
    let listed = supervisor_tests::paths(&tree.which_children().await.unwrap());
    assert_eq!(listed, ["app/after", "app/t7"]);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_removed_childs_factory_is_dropped_when_it_is_removed() {
    let log = Log::default();
    let held = std::sync::Arc::new(());
    let factory = {
        let (held, log) = (held.clone(), log.clone());
        let script = Script::new([Step::Exit]);
        move || {
            let _ = &held;
            Scripted::<false>::new(&script, &log)
        }
    };
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::worker("once", factory).restart(Restart::Temporary))
        .child(ChildSpec::from_value(
            "stays",
            Scripted::<false>::new(&Script::default(), &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| brief(e) == "exited app/once normal").await;
    // The exit is handled before this call (the supervisor's mailbox is in order).
    assert_eq!(tree.count_children().await.unwrap().specs, 1);
    assert_eq!(std::sync::Arc::strong_count(&held), 1);
    tree.shutdown().await.unwrap();
}

/// A worker whose `Drop` panics: it runs `step`, then its state panics when dropped.
struct PanicsOnDrop {
    step: Step,
    _drop: PanicsWhenDropped,
}

impl supervisor::Worker for PanicsOnDrop {
    async fn run(&mut self, ctx: &supervisor::Context) -> supervisor::WorkerResult {
        match self.step {
            Step::Fail => Err("failed".into()),
            _ => {
                ctx.shutdown_requested().await;
                Ok(())
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_worker_whose_drop_panics_still_has_its_exit_reported_and_its_stop_ended() {
    // The first run fails and its drop panics: the exit must still reach the supervisor, as the
    // run's failure with the panic mentioned, and the child be restarted.
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let factory = {
        let runs = runs.clone();
        move || {
            let run = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            PanicsOnDrop {
                step: if run == 0 { Step::Fail } else { Step::Idle },
                _drop: PanicsWhenDropped,
            }
        }
    };
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::worker("w", factory))
        .child(
            ChildSpec::worker("brutal", || PanicsOnDrop {
                step: Step::Idle,
                _drop: PanicsWhenDropped,
            })
            .shutdown(Shutdown::Brutal),
        );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let seen = until(&mut events, |e| {
        matches!(e.kind, EventKind::Started { generation: 1 }) && e.path == "app/w"
    })
    .await;
    let failure = seen
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Exited {
                reason: ExitReason::Failed(f),
            } if e.path == "app/w" => Some(f.clone()),
            _ => None,
        })
        .expect("w's exit");
    // Both are reported: the run's error is the reason, the panic of its drop is told with it.
    assert_eq!(failure.kind(), FailureKind::Error);
    assert_eq!(
        failure.message(),
        "failed; then dropping the worker panicked: dropping the worker panicked"
    );
    // Stopping both (one asked, one aborted), their drops panic again: the stop still ends.
    tokio::time::timeout(supervisor_tests::PATIENCE, tree.shutdown())
        .await
        .expect("the shutdown must end")
        .unwrap();
}
