//! Significant children and auto-shutdown (OTP 24's rules, one test each), and the operator's
//! controls: pause, resume and quarantine under each strategy.

use std::time::Duration;

use supervisor::{
    AutoShutdown, Backoff, ChildSpec, EventKind, Phase, Restart, SpecError, StartError, Strategy,
    SupervisorSpec, Tree,
};
use supervisor_tests::*;

fn worker(name: &str, steps: impl IntoIterator<Item = Step>, log: &Log) -> ChildSpec {
    ChildSpec::from_value(name, Scripted::<false>::new(&Script::new(steps), log))
}

fn significant(
    name: &str,
    restart: Restart,
    steps: impl IntoIterator<Item = Step>,
    log: &Log,
) -> ChildSpec {
    worker(name, steps, log).restart(restart).significant(true)
}

/// Starts `spec`, waits for the tree to end by itself, and returns whether it did so cleanly.
async fn ends_by_itself(tree: Tree) -> bool {
    tokio::time::timeout(Duration::from_secs(3600), tree.join())
        .await
        .expect("the tree did not end by itself")
        .is_ok()
}

/// Lets every message already sent be handled (paused time: the clock moves only when all is
/// idle).
async fn settle() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[tokio::test(start_paused = true)]
async fn a_significant_transient_child_that_exits_normally_shuts_its_supervisor_down() {
    let log = Log::default();
    // The job fails once (a transient child's failure is restarted, never a trigger), then
    // exits normally.
    let mut spec = SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .intensity(5, Duration::from_secs(5))
        .child(worker("a", [], &log))
        .child(significant(
            "job",
            Restart::Transient,
            [Step::Fail, Step::Exit],
            &log,
        ))
        .child(worker("c", [], &log));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    assert!(ends_by_itself(tree).await);
    let seen = briefs(&drain(&mut events), &["exited", "restart", "AutoShutdown"]);
    assert_eq!(
        seen,
        [
            "exited app/job failed",
            "restart app/job [app/job]",
            "exited app/job normal",
            "AutoShutdown app/job",
            // The others, in reverse start order.
            "exited app/c shutdown",
            "exited app/a shutdown",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_significant_temporary_child_triggers_whatever_its_exit_reason() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(worker("a", [], &log))
        .child(significant("job", Restart::Temporary, [Step::Fail], &log))
        .start()
        .await
        .unwrap();
    assert!(ends_by_itself(tree).await);
    assert_eq!(log.with_prefix("stop "), ["stop app/a"]);
}

#[tokio::test(start_paused = true)]
async fn terminating_a_significant_child_or_ending_a_plain_one_never_triggers() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(significant("job", Restart::Transient, [], &log))
        .child(worker("plain", [Step::Exit], &log).restart(Restart::Transient))
        .start()
        .await
        .unwrap();
    settle().await;
    tree.terminate_child("job".into()).await.unwrap();
    settle().await;
    // Still running: the plain child's end and the terminate changed nothing.
    assert_eq!(tree.count_children().await.unwrap().specs, 2);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_significant_child_stopped_as_a_bystander_of_a_group_restart_never_triggers() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .strategy(Strategy::OneForAll)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .intensity(5, Duration::from_secs(5))
        .child(significant("job", Restart::Transient, [], &log))
        .child(worker("flaky", [Step::Fail], &log))
        .start()
        .await
        .unwrap();
    settle().await;
    // The job was stopped (shutdown) and started again with its group.
    assert_eq!(
        log.with_prefix("run app/job"),
        ["run app/job 0", "run app/job 1"]
    );
    assert_eq!(
        tree.child("job".into()).await.unwrap().phase,
        Phase::Running
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn all_significant_waits_for_every_significant_child_a_delayed_one_counting_as_alive() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(worker("a", [], &log))
        .child(
            // Fails, and waits an hour for its restart: not ended.
            significant("slow", Restart::Transient, [Step::Fail, Step::Exit], &log)
                .backoff(Backoff::fixed(Duration::from_secs(3600))),
        )
        .child(significant("quick", Restart::Transient, [Step::Exit], &log))
        .start()
        .await
        .unwrap();
    settle().await;
    let slow = tree.child("slow".into()).await.unwrap().phase;
    assert!(matches!(slow, Phase::Delayed { .. }), "{slow:?}");
    assert_eq!(
        tree.child("quick".into()).await.unwrap().phase,
        Phase::Stopped
    );
    // The slow one restarts after its delay and exits: now all have ended.
    assert!(ends_by_itself(tree).await);
    assert_eq!(log.with_prefix("stop "), ["stop app/a"]);
}

/// A tree whose `job` subtree has a significant `step`; `job` is significant to the root or not.
fn job_tree(job_is_significant: bool, log: &Log) -> SupervisorSpec {
    let job = SupervisorSpec::new("job")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(worker("fetch", [], log))
        .child(significant("step", Restart::Transient, [Step::Exit], log));
    SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(worker("server", [], log))
        .child(
            ChildSpec::supervisor(job)
                .restart(Restart::Transient)
                .significant(job_is_significant),
        )
}

#[tokio::test(start_paused = true)]
async fn an_auto_shutdown_cascades_through_a_significant_nested_supervisor() {
    let log = Log::default();
    let tree = job_tree(true, &log).start().await.unwrap();
    assert!(ends_by_itself(tree).await);
    assert_eq!(
        log.with_prefix("stop "),
        ["stop app/job/fetch", "stop app/server"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_auto_shutdown_stops_at_a_nested_supervisor_that_is_not_significant() {
    let log = Log::default();
    let tree = job_tree(false, &log).start().await.unwrap();
    settle().await;
    assert_eq!(log.with_prefix("stop "), ["stop app/job/fetch"]);
    // The job ended (a transient child's shutdown: not restarted), the root goes on.
    assert_eq!(
        tree.child("job".into()).await.unwrap().phase,
        Phase::Stopped
    );
    assert_eq!(
        tree.child("server".into()).await.unwrap().phase,
        Phase::Running
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test]
async fn otps_bad_combinations_are_refused_with_a_typed_error() {
    let log = Log::default();
    let refused = |spec: SupervisorSpec| async move {
        match spec.start().await {
            Err(StartError::Spec(SpecError::BadCombination { path, .. })) => path.to_string(),
            Err(other) => panic!("expected BadCombination, got {other}"),
            Ok(_) => panic!("started"),
        }
    };
    let permanent = SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(worker("w", [], &log).significant(true));
    assert_eq!(refused(permanent).await, "app/w");
    let under_never =
        SupervisorSpec::new("app").child(significant("w", Restart::Transient, [], &log));
    assert_eq!(refused(under_never).await, "app/w");
    let zero = SupervisorSpec::new("app")
        .child(worker("w", [], &log).quarantine(0, Duration::from_secs(1)));
    assert_eq!(refused(zero).await, "app/w");
    let beating_supervisor = SupervisorSpec::new("app").child(
        ChildSpec::supervisor(SupervisorSpec::new("web").child(worker("w", [], &log)))
            .heartbeat(Duration::from_secs(1)),
    );
    assert_eq!(refused(beating_supervisor).await, "app/web");
}

/// Three idle children a, b, c under `strategy`, with `b` failing on demand through its
/// script.
fn abc(strategy: Strategy, b: &Script, log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .strategy(strategy)
        .intensity(10, Duration::from_secs(10))
        .child(worker("a", [], log))
        .child(ChildSpec::from_value("b", Scripted::<false>::new(b, log)))
        .child(worker("c", [], log))
}

#[tokio::test(start_paused = true)]
async fn a_paused_child_stays_stopped_until_resumed_under_one_for_one() {
    let log = Log::default();
    let tree = abc(Strategy::OneForOne, &Script::default(), &log)
        .start()
        .await
        .unwrap();
    let mut events = tree.subscribe();
    tree.pause("b".into()).await.unwrap();
    assert_eq!(log.with_prefix("stop "), ["stop app/b"]);
    assert_eq!(tree.child("b".into()).await.unwrap().phase, Phase::Paused);
    assert_eq!(tree.count_children().await.unwrap().active, 2);
    settle().await;
    assert_eq!(log.with_prefix("run app/b"), ["run app/b 0"]);
    tree.resume("b".into()).await.unwrap();
    assert_eq!(tree.child("b".into()).await.unwrap().phase, Phase::Running);
    assert!(
        tree.resume("b".into()).await.is_err(),
        "resumed a running child"
    );
    let seen = briefs(&drain(&mut events), &["Paused", "Resumed", "restart"]);
    assert_eq!(seen, ["Paused app/b", "Resumed app/b"]);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_paused_child_stays_paused_when_its_group_restarts() {
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let log = Log::default();
        // `b` fails after `c` has been paused.
        let b = Script::new([Step::FailAfter(Duration::from_secs(10))]);
        let tree = abc(strategy, &b, &log).start().await.unwrap();
        tree.pause("c".into()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(20)).await;
        assert_eq!(
            log.with_prefix("run app/b"),
            ["run app/b 0", "run app/b 1"],
            "{strategy:?}"
        );
        assert_eq!(
            log.with_prefix("run app/c"),
            ["run app/c 0"],
            "{strategy:?}"
        );
        assert_eq!(tree.child("c".into()).await.unwrap().phase, Phase::Paused);
        tree.resume("c".into()).await.unwrap();
        assert_eq!(log.with_prefix("run app/c"), ["run app/c 0", "run app/c 1"]);
        tree.shutdown().await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn a_child_past_its_quarantine_limit_is_taken_out_instead_of_failing_its_supervisor() {
    for strategy in [
        Strategy::OneForOne,
        Strategy::OneForAll,
        Strategy::RestForOne,
    ] {
        let log = Log::default();
        let mut spec = SupervisorSpec::new("app")
            .strategy(strategy)
            // Without the quarantine, the third failure would fail the supervisor.
            .intensity(2, Duration::from_secs(60))
            .child(worker("a", [], &log))
            .child(
                worker("b", [Step::Fail, Step::Fail, Step::Fail], &log)
                    .quarantine(2, Duration::from_secs(60)),
            )
            .child(worker("c", [], &log));
        let mut events = spec.subscribe();
        let tree = spec.start().await.unwrap();
        until(&mut events, |e| {
            matches!(e.kind, EventKind::Quarantined { .. })
        })
        .await;
        settle().await;
        assert_eq!(
            tree.child("b".into()).await.unwrap().phase,
            Phase::Quarantined,
            "{strategy:?}"
        );
        assert_eq!(log.with_prefix("run app/b").len(), 3, "{strategy:?}");
        // The supervisor runs on, its other children too.
        assert_eq!(
            tree.count_children().await.unwrap().active,
            2,
            "{strategy:?}"
        );
        tree.resume("b".into()).await.unwrap();
        assert_eq!(tree.child("b".into()).await.unwrap().phase, Phase::Running);
        tree.shutdown().await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn a_temporary_child_cannot_be_paused() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .child(worker("t", [], &log).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    assert!(matches!(
        tree.pause("t".into()).await,
        Err(supervisor::ChildError::Temporary { .. })
    ));
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn removed_children_are_not_brought_back_by_their_groups_restart() {
    // Found while adding pause: a group's stop turned every slot in its range into a stopped
    // child, tombstones included: a deleted child came back (and could not start), an ended
    // temporary child was removed twice (its supervisor then counted one spec too few).
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .strategy(Strategy::RestForOne)
        .intensity(3, Duration::from_secs(10))
        .child(worker("a", [Step::FailAfter(Duration::from_secs(5))], &log))
        .child(worker("t", [Step::Exit], &log).restart(Restart::Temporary))
        .child(worker("deleted", [], &log))
        .child(worker("c", [], &log));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    tree.terminate_child("deleted".into()).await.unwrap();
    tree.delete_child("deleted".into()).await.unwrap();
    until(&mut events, |e| {
        e.path == "app/c" && matches!(e.kind, EventKind::Ready { generation: 1 })
    })
    .await;
    settle().await;
    let children = paths(&tree.which_children().await.unwrap());
    assert_eq!(children, ["app/a", "app/c"]);
    assert_eq!(tree.count_children().await.unwrap().specs, 2);
    assert_eq!(log.with_prefix("run app/t"), ["run app/t 0"]);
    assert_eq!(log.with_prefix("run app/deleted"), ["run app/deleted 0"]);
    tree.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_childs_spec_shows_its_restart_control_with_its_supervisors_default_filled_in() {
    let default = Backoff::fixed(Duration::from_millis(50));
    let own = Backoff::exponential(Duration::from_millis(10), Duration::from_secs(1));
    let tree = SupervisorSpec::new("app")
        .backoff(default)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ChildSpec::from_value("plain", Idle))
        .child(
            ChildSpec::from_value("tuned", Idle)
                .restart(Restart::Transient)
                .significant(true)
                .backoff(own)
                .quarantine(3, Duration::from_secs(10))
                .heartbeat(Duration::from_secs(1))
                .start_timeout(Duration::from_secs(2)),
        )
        .start()
        .await
        .unwrap();

    let plain = tree.child_spec("plain".into()).await.unwrap();
    assert_eq!(
        (
            plain.backoff,
            plain.significant,
            plain.quarantine,
            plain.heartbeat,
            plain.start_timeout
        ),
        (default, false, None, None, None)
    );
    let tuned = tree.child_spec("tuned".into()).await.unwrap();
    assert_eq!(
        (tuned.restart, tuned.backoff, tuned.significant),
        (Restart::Transient, own, true)
    );
    let quarantine = tuned.quarantine.expect("its quarantine limit");
    assert_eq!(
        (quarantine.max_restarts, quarantine.period),
        (3, Duration::from_secs(10))
    );
    assert_eq!(
        (tuned.heartbeat, tuned.start_timeout),
        (Some(Duration::from_secs(1)), Some(Duration::from_secs(2)))
    );
    tree.shutdown().await.unwrap();
}
