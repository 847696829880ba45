//! Liveness and start timeouts: a child that misses its heartbeat is stopped as unresponsive
//! and restarted by its policy; a start that hangs fails when its start timeout runs out.

use std::sync::Arc;
use std::time::Duration;

use supervisor::{
    ChildRef, ChildSpec, Context, EventKind, FailureKind, PoolError, PoolKey, PoolSpec, StartError,
    SupervisorSpec, Worker, WorkerResult,
};
use supervisor_tests::*;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Beats every second for `beats` beats on its first run, then goes quiet (but still answers
/// a stop request); later runs beat for ever.
#[derive(Clone)]
struct Beating {
    beats: u32,
    runs: Arc<std::sync::atomic::AtomicU32>,
}

impl Worker for Beating {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let first = self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
        let mut beats = 0;
        loop {
            tokio::select! {
                _ = ctx.shutdown_requested() => return Ok(()),
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            if !first || beats < self.beats {
                ctx.heartbeat();
                beats += 1;
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_child_that_misses_its_heartbeat_is_stopped_as_unresponsive_and_restarted() {
    let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let mut spec = SupervisorSpec::new("app").child(
        ChildSpec::from_value(
            "w",
            Beating {
                beats: 3,
                runs: runs.clone(),
            },
        )
        .heartbeat(Duration::from_secs(2)),
    );
    let mut events = spec.subscribe();
    let began = Instant::now();
    let tree = spec.start().await.unwrap();
    let seen = until(&mut events, |e| {
        matches!(e.kind, EventKind::Ready { generation: 1 })
    })
    .await;
    // Beats at 1, 2 and 3 s; the one due by 5 s never comes.
    let unresponsive = seen
        .iter()
        .find(|e| matches!(e.kind, EventKind::Unresponsive { .. }))
        .expect("no unresponsive event");
    assert_eq!(unresponsive.at - began, Duration::from_secs(5));
    let EventKind::Unresponsive { failure } = &unresponsive.kind else {
        unreachable!()
    };
    assert_eq!(failure.kind(), FailureKind::Unresponsive);
    assert_eq!(
        briefs(&seen, &["exited", "restart"]),
        ["exited app/w shutdown", "restart app/w [app/w]"]
    );
    let info = tree.child("w".into()).await.unwrap();
    assert_eq!(info.restart_count, 1);
    assert_eq!(
        info.last_failure.map(|r| r.failure.kind()),
        Some(FailureKind::Unresponsive)
    );
    // The new run beats: no second stop over a long while.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(tree.child("w".into()).await.unwrap().restart_count, 1);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_start_that_hangs_fails_when_its_start_timeout_runs_out() {
    let log = Log::default();
    let hung = Script::new([Step::GatedInit(Arc::new(Notify::new()))]);
    let began = Instant::now();
    let result = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "before",
            Scripted::<false>::new(&Script::default(), &log),
        ))
        .child(
            ChildSpec::from_value("db", Scripted::<true>::new(&hung, &log))
                .start_timeout(Duration::from_secs(5)),
        )
        .start()
        .await;
    let Err(StartError::ChildFailed { path, failure }) = result else {
        panic!("the start did not fail")
    };
    assert_eq!(path, "app/db");
    assert_eq!(failure.kind(), FailureKind::StartTimeout);
    assert!(failure.to_string().contains("5s"), "{failure}");
    // Within the timeout and the hung init's own shutdown, then the started sibling stopped.
    assert_eq!(began.elapsed(), Duration::from_secs(5 + 5));
    assert_eq!(log.with_prefix("stop "), ["stop app/before"]);
}

#[tokio::test(start_paused = true)]
async fn readiness_is_a_watch_true_once_started_and_false_as_soon_as_the_shutdown_begins() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .child(
            // Ignores the stop request: the shutdown takes its whole timeout.
            ChildSpec::from_value(
                "slow",
                Scripted::<false>::new(&Script::new([Step::Hang]), &log),
            )
            .shutdown(supervisor::Shutdown::Timeout(Duration::from_secs(10))),
        )
        .start()
        .await
        .unwrap();
    let mut readiness = tree.readiness();
    assert!(*readiness.borrow());
    let began = Instant::now();
    tree.request_shutdown();
    readiness.wait_for(|ready| !*ready).await.unwrap();
    // Not ready at once, while the slow child is still being stopped.
    assert_eq!(began.elapsed(), Duration::ZERO);
    tree.join().await.unwrap();
    assert_eq!(began.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_pool_instance_that_misses_its_heartbeat_is_stopped_as_unresponsive_and_restarted() {
    let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<Beating>::workers("conns").heartbeat(Duration::from_secs(2)),
    ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree
        .pool(PoolKey::<ChildRef, Beating>::new("conns".into()))
        .await
        .unwrap();
    let began = Instant::now();
    let id = pool.start(Beating { beats: 3, runs }).await.unwrap();
    let seen = until(&mut events, |e| {
        matches!(e.kind, EventKind::Ready { generation: 1 })
    })
    .await;
    // Beats at 1, 2 and 3 s; the one due by 5 s never comes.
    let unresponsive = seen
        .iter()
        .find(|e| matches!(e.kind, EventKind::Unresponsive { .. }))
        .expect("no unresponsive event");
    assert_eq!(unresponsive.path, "app/conns/0");
    assert_eq!(unresponsive.at - began, Duration::from_secs(5));
    assert_eq!(
        briefs(&seen, &["exited", "restart"]),
        [
            "exited app/conns/0 shutdown",
            "restart app/conns/0 [app/conns/0]"
        ]
    );
    let info = pool.info(id).await.unwrap();
    assert_eq!(info.child.restart_count, 1);
    assert_eq!(
        info.child.last_failure.map(|r| r.failure.kind()),
        Some(FailureKind::Unresponsive)
    );
    // The new run beats: no second stop over a long while.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(pool.info(id).await.unwrap().child.restart_count, 1);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_pool_instance_whose_start_hangs_fails_when_the_start_timeout_runs_out() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::pool(
            PoolSpec::<Scripted<true>>::workers("conns").start_timeout(Duration::from_secs(5)),
        ))
        .start()
        .await
        .unwrap();
    let pool = tree
        .pool(PoolKey::<ChildRef, Scripted<true>>::new("conns".into()))
        .await
        .unwrap();
    let hung = Script::new([Step::GatedInit(Arc::new(Notify::new()))]);
    let began = Instant::now();
    let Err(PoolError::StartFailed { path, failure }) =
        pool.start(Scripted::<true>::new(&hung, &log)).await
    else {
        panic!("the start did not fail")
    };
    assert_eq!(path, "app/conns/0");
    assert_eq!(failure.kind(), FailureKind::StartTimeout);
    // Within the timeout and the hung init's own shutdown (the worker's default, 5 s).
    assert_eq!(began.elapsed(), Duration::from_secs(5 + 5));
    assert_eq!(pool.count().await.unwrap().active, 0);
    tree.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_pools_heartbeat_or_start_timeout_of_zero_and_a_heartbeat_on_supervisors_are_refused() {
    let zero = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<Beating>::workers("conns").heartbeat(Duration::ZERO),
    ));
    assert!(matches!(
        zero.validate(),
        Err(supervisor::SpecError::InvalidPool { .. })
    ));
    let zero = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<Beating>::workers("conns").start_timeout(Duration::ZERO),
    ));
    assert!(matches!(
        zero.validate(),
        Err(supervisor::SpecError::InvalidPool { .. })
    ));
    let supervisors = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::supervisors("subtrees", |_: ()| {
            SupervisorSpec::new("s").child(ChildSpec::from_value("w", Idle))
        })
        .heartbeat(Duration::from_secs(1)),
    ));
    let Err(supervisor::SpecError::InvalidPool { path, reason }) = supervisors.validate() else {
        panic!("a heartbeat on a pool of supervisors was accepted")
    };
    assert_eq!(path, "app/subtrees");
    assert!(reason.contains("heartbeat"), "{reason}");
}
