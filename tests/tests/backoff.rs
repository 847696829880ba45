//! Restart backoff next to OTP's intensity: delays within their jitter bounds, the reset after a
//! healthy run, intensity counted at the decision, a supervisor that keeps answering while a
//! child waits, and a wait that a terminate or a shutdown cancels. All in paused time with a
//! seeded random source.

use std::time::Duration;

use supervisor::{
    Backoff, ChildRef, ChildSpec, Event, EventKind, Jitter, Phase, PoolKey, PoolSpec, Strategy,
    SupervisorSpec,
};
use supervisor_tests::*;
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

/// The delays announced, in order.
fn delays(events: &[Event]) -> Vec<Duration> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::RestartDelayed { delay, .. } => Some(delay),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn delays_stay_within_their_jitter_bounds_and_the_child_restarts_when_its_delay_is_over() {
    let log = Log::default();
    let restarts = 300;
    let script = Script::new(std::iter::repeat_n(Step::Fail, restarts));
    let mut spec = SupervisorSpec::new("app")
        .intensity(10_000, Duration::from_secs(1))
        .seed(7)
        .child(
            ChildSpec::from_value("w", Scripted::<false>::new(&script, &log))
                .backoff(Backoff::exponential(10 * MS, 500 * MS).jitter(Jitter::Full)),
        );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let seen = until(&mut events, |e| {
        brief(e) == "ready app/w"
            && matches!(e.kind, EventKind::Ready { generation } if generation == restarts as u64)
    })
    .await;

    let chosen = delays(&seen);
    assert_eq!(chosen.len(), restarts);
    for (n, delay) in chosen.iter().enumerate() {
        let bound = (10 * MS * 2u32.pow(n.min(10) as u32)).min(500 * MS);
        assert!(*delay <= bound, "restart {n}: {delay:?} above {bound:?}");
    }
    // Jittered: not the same delay every time once the cap is reached.
    let capped: std::collections::HashSet<_> = chosen[10..].iter().collect();
    assert!(capped.len() > 200, "only {} distinct delays", capped.len());
    // Each restart happened when its delay was over, not before (tokio's timers fire on the
    // millisecond).
    let mut due = None;
    for event in &seen {
        match event.kind {
            EventKind::RestartDelayed { until, .. } => due = Some(until),
            EventKind::Started { .. } if event.path == "app/w" => {
                if let Some(until) = due.take() {
                    assert!(
                        event.at >= until && event.at - until < MS,
                        "{:?}",
                        event.at - until
                    );
                }
            }
            _ => {}
        }
    }
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_gives_the_same_delays() {
    async fn run(seed: u64) -> Vec<Duration> {
        let log = Log::default();
        let script = Script::new(std::iter::repeat_n(Step::Fail, 20));
        let mut spec = SupervisorSpec::new("app")
            .intensity(100, Duration::from_secs(1))
            .backoff(Backoff::exponential(MS, 100 * MS).jitter(Jitter::Decorrelated))
            .seed(seed)
            .child(ChildSpec::from_value(
                "w",
                Scripted::<false>::new(&script, &log),
            ));
        let mut events = spec.subscribe();
        let tree = spec.start().await.unwrap();
        let seen = until(&mut events, |e| {
            matches!(e.kind, EventKind::Ready { generation: 20 })
        })
        .await;
        tree.shutdown().await.unwrap();
        delays(&seen)
    }
    let first = run(11).await;
    assert_eq!(first.len(), 20);
    assert!(first.iter().all(|d| (MS..=100 * MS).contains(d)));
    assert_eq!(first, run(11).await);
    assert_ne!(first, run(12).await);
}

#[tokio::test(start_paused = true)]
async fn a_healthy_run_starts_the_count_of_restarts_in_a_row_again() {
    let log = Log::default();
    let script = Script::new([
        Step::Fail,
        Step::Fail,
        Step::Fail,
        // Healthy for 10 s, longer than `reset_after`, then fails again.
        Step::FailAfter(Duration::from_secs(10)),
        Step::Fail,
    ]);
    let mut spec = SupervisorSpec::new("app")
        .intensity(100, Duration::from_secs(1))
        .child(
            ChildSpec::from_value("w", Scripted::<false>::new(&script, &log)).backoff(
                Backoff::exponential(100 * MS, 10_000 * MS).reset_after(Duration::from_secs(5)),
            ),
        );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let seen = until(&mut events, |e| {
        matches!(e.kind, EventKind::Ready { generation: 5 })
    })
    .await;
    // 100, 200, 400 ms; then the run of 10 s was healthy: 100 ms again, then 200 ms.
    assert_eq!(
        delays(&seen),
        [100 * MS, 200 * MS, 400 * MS, 100 * MS, 200 * MS]
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn intensity_is_counted_when_a_delayed_restart_is_decided_and_still_escalates() {
    let log = Log::default();
    let script = Script::new(std::iter::repeat_n(Step::Fail, 10));
    let mut spec = SupervisorSpec::new("app")
        .intensity(3, Duration::from_secs(3600))
        .child(
            ChildSpec::from_value("w", Scripted::<false>::new(&script, &log))
                .backoff(Backoff::fixed(Duration::from_secs(1))),
        );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let began = Instant::now();
    let error = tree.join().await.unwrap_err();
    assert!(
        error.to_string().contains("reached max restart intensity"),
        "{error}"
    );
    // Three delayed restarts of 1 s; the fourth exit is refused at its decision, at once.
    assert_eq!(began.elapsed(), Duration::from_secs(3));
    let seen = briefs(
        &drain(&mut events),
        &["restart", "intensity", "RestartDelayed"],
    );
    assert_eq!(seen.iter().filter(|b| b.starts_with("restart ")).count(), 3);
    assert_eq!(seen.last().map(String::as_str), Some("intensity app"));
}

#[tokio::test(start_paused = true)]
async fn the_supervisor_answers_and_shuts_down_while_a_child_waits_out_a_long_delay() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .backoff(Backoff::fixed(Duration::from_secs(3600)))
        .child(ChildSpec::from_value(
            "w",
            Scripted::<false>::new(&Script::new([Step::Fail]), &log),
        ))
        .child(ChildSpec::from_value(
            "other",
            Scripted::<false>::new(&Script::default(), &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let decided = until(&mut events, |e| {
        matches!(e.kind, EventKind::RestartDelayed { .. })
    })
    .await;
    let EventKind::RestartDelayed { until: due, delay } = decided.last().unwrap().kind else {
        unreachable!()
    };
    assert_eq!(delay, Duration::from_secs(3600));

    let info = tree.child("w".into()).await.unwrap();
    assert_eq!(info.phase, Phase::Delayed { until: due });
    let counts = tree.count_children().await.unwrap();
    assert_eq!((counts.active, counts.restarting), (1, 1));
    assert!(tree.restart_child("w".into()).await.is_err());
    // The other child is handled as usual meanwhile.
    tree.terminate_child("other".into()).await.unwrap();
    tree.restart_child("other".into()).await.unwrap();

    let began = Instant::now();
    tree.shutdown().await.unwrap();
    assert_eq!(
        began.elapsed(),
        Duration::ZERO,
        "the shutdown waited for the delay"
    );
}

#[tokio::test(start_paused = true)]
async fn a_terminate_during_the_delay_cancels_the_restart() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .backoff(Backoff::fixed(Duration::from_secs(10)))
        .child(ChildSpec::from_value(
            "w",
            Scripted::<false>::new(&Script::new([Step::Fail]), &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| {
        matches!(e.kind, EventKind::RestartDelayed { .. })
    })
    .await;
    tree.terminate_child("w".into()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(tree.child("w".into()).await.unwrap().phase, Phase::Stopped);
    assert_eq!(log.with_prefix("run ").len(), 1, "restarted after all");
    // It can still be started by hand.
    tree.restart_child("w".into()).await.unwrap();
    assert_eq!(tree.child("w".into()).await.unwrap().phase, Phase::Running);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn under_one_for_all_the_group_stops_at_once_and_restarts_after_the_delay() {
    let log = Log::default();
    let idle = Script::default();
    let mut spec = SupervisorSpec::new("app")
        .strategy(Strategy::OneForAll)
        .backoff(Backoff::fixed(Duration::from_secs(5)))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&idle, &log),
        ))
        .child(ChildSpec::from_value(
            "b",
            Scripted::<false>::new(&Script::new([Step::Fail]), &log),
        ))
        .child(ChildSpec::from_value(
            "c",
            Scripted::<false>::new(&idle, &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let failed_at = Instant::now();
    let seen = until(&mut events, |e| {
        brief(e) == "ready app/c" && e.at > failed_at
    })
    .await;
    let order: Vec<String> = seen
        .iter()
        .filter(|e| match e.kind {
            EventKind::Started { .. } | EventKind::Ready { .. } => e.at > failed_at,
            EventKind::Exited { .. } => true,
            _ => false,
        })
        .map(|e| format!("{} +{:?}", brief(e), e.at - failed_at))
        .collect();
    assert_eq!(
        order,
        [
            // The failure, then the others stopped at once, in reverse start order.
            "exited app/b failed +0ns",
            "exited app/c shutdown +0ns",
            "exited app/a shutdown +0ns",
            // All started again, in start order, when the delay is over.
            "started app/a +5s",
            "ready app/a +5s",
            "started app/b +5s",
            "ready app/b +5s",
            "started app/c +5s",
            "ready app/c +5s",
        ]
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_pools_instances_wait_out_the_pools_backoff() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::pool(
            PoolSpec::<Scripted>::workers("conns").backoff(Backoff::fixed(Duration::from_secs(2))),
        ))
        .start()
        .await
        .unwrap();
    let pool = tree
        .pool(PoolKey::<ChildRef, Scripted>::new("conns".into()))
        .await
        .unwrap();
    let mut events = tree.subscribe();
    let id = pool
        .start(Scripted::new(&Script::new([Step::Fail]), &log))
        .await
        .unwrap();
    let decided = until(&mut events, |e| {
        matches!(e.kind, EventKind::RestartDelayed { .. })
    })
    .await;
    let EventKind::RestartDelayed { until: due, .. } = decided.last().unwrap().kind else {
        unreachable!()
    };
    assert_eq!(
        pool.info(id).await.unwrap().child.phase,
        Phase::Delayed { until: due }
    );
    assert_eq!(pool.count().await.unwrap().restarting, 1);
    until(&mut events, |e| {
        matches!(e.kind, EventKind::Ready { generation: 1 })
    })
    .await;
    let restarted = Instant::now();
    assert!(restarted >= due && restarted - due < MS);
    assert_eq!(pool.info(id).await.unwrap().child.phase, Phase::Running);
    tree.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_invalid_backoff_is_refused_with_the_path_it_is_set_on() {
    let error = SupervisorSpec::new("app")
        .child(
            ChildSpec::from_value("w", Idle).backoff(Backoff::exponential(
                Duration::from_secs(2),
                Duration::from_secs(1),
            )),
        )
        .start()
        .await;
    let Err(error) = error else {
        panic!("the tree started")
    };
    let message = error.to_string();
    assert!(
        message.contains("`app/w`") && message.contains("shorter than its base"),
        "{message}"
    );
}
