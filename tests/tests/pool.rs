//! Pools: instances started at run time with typed arguments, restarted by their own policy
//! within the pool's intensity, listed, counted and terminated through the pool's handle, and
//! spread over partitions (OTP's `simple_one_for_one`, Elixir's `DynamicSupervisor` and
//! `PartitionSupervisor`). How a pool stops: `pool_stop.rs`; how a tree's workers reach it:
//! `pool_reach.rs`.

use std::sync::Arc;
use std::time::Duration;

use supervisor::{
    ChildError, ChildSpec, Context, EventKind, Partitions, Phase, PoolError, PoolSpec, Restart,
    SupervisorSpec, Worker, WorkerResult,
};
use supervisor_tests::*;
use tokio::sync::Notify;

#[tokio::test(start_paused = true)]
async fn start_returns_the_id_once_the_instances_init_has_finished() {
    let log = Log::default();
    let gate = Arc::new(Notify::new());
    let script = Script::new([Step::GatedInit(gate.clone())]);
    let (tree, pool) = tree_with(PoolSpec::<Scripted<true>>::workers("conns")).await;

    let starting = tokio::spawn({
        let pool = pool.clone();
        let worker = Scripted::<true>::new(&script, &log);
        async move { pool.start(worker).await }
    });
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        !starting.is_finished(),
        "start returned before the init finished"
    );
    assert_eq!(log.entries(), ["init app/conns/0 0"]);

    gate.notify_one();
    let id = starting.await.unwrap().unwrap();
    assert_eq!(id.serial(), 0);
    let info = pool.info(id).await.unwrap();
    assert_eq!(info.child.phase, Phase::Running);
    assert_eq!(info.child.path, "app/conns/0");
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_failed_init_is_a_typed_error_and_nothing_is_kept() {
    let log = Log::default();
    let script = Script::new([Step::FailInit]);
    let (tree, pool) = tree_with(PoolSpec::<Scripted<true>>::workers("conns")).await;

    let error = pool.start(Scripted::new(&script, &log)).await.unwrap_err();
    match error {
        PoolError::StartFailed { path, failure } => {
            assert_eq!(path, "app/conns/0");
            assert!(failure.to_string().contains("init of app/conns/0 failed"));
        }
        other => panic!("expected StartFailed, got {other:?}"),
    }
    let counts = pool.count().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.workers), (1, 0, 0));
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn restarts_follow_each_instances_policy_with_its_own_arguments() {
    let log = Log::default();
    let (tree, pool) =
        tree_with(PoolSpec::<Scripted>::workers("conns").intensity(10, Duration::from_secs(5)))
            .await;

    // Each instance has a script of its own: its arguments.
    let permanent = Script::new([Step::Exit]);
    let transient_ok = Script::new([Step::Exit]);
    let transient_failing = Script::new([Step::Fail]);
    let temporary = Script::new([Step::Fail]);
    let p = pool
        .start_with(Scripted::new(&permanent, &log), Restart::Permanent)
        .await
        .unwrap();
    let t1 = pool
        .start_with(Scripted::new(&transient_ok, &log), Restart::Transient)
        .await
        .unwrap();
    let t2 = pool
        .start_with(Scripted::new(&transient_failing, &log), Restart::Transient)
        .await
        .unwrap();
    let tmp = pool
        .start_with(Scripted::new(&temporary, &log), Restart::Temporary)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Permanent after a normal exit, transient after a failure: restarted, under the same id
    // (generation 1, its second run).
    let info = pool.info(p).await.unwrap();
    assert_eq!(
        (info.id, info.child.starts, info.child.generation()),
        (p, 2, Some(1))
    );
    assert_eq!(pool.info(t2).await.unwrap().child.restart_count, 1);
    // A transient instance's normal exit and a temporary one's failure: forgotten.
    assert!(matches!(
        pool.info(t1).await,
        Err(PoolError::NotFound { .. })
    ));
    assert!(matches!(
        pool.info(tmp).await,
        Err(PoolError::NotFound { .. })
    ));
    let mut runs = log.with_prefix("run ");
    runs.sort();
    assert_eq!(
        runs,
        [
            "run app/conns/0 0",
            "run app/conns/0 1",
            "run app/conns/1 0",
            "run app/conns/2 0",
            "run app/conns/2 1",
            "run app/conns/3 0",
        ]
    );
    assert_eq!(pool.count().await.unwrap().active, 2);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_temporary_instances_arguments_are_not_kept() {
    let (tree, pool) = tree_with(PoolSpec::<Holds>::workers("conns")).await;
    let held = Arc::new(());

    let permanent = pool.start(Holds(held.clone())).await.unwrap();
    // The running worker's copy and the one kept for restarts.
    assert_eq!(Arc::strong_count(&held), 3);
    pool.terminate(permanent).await.unwrap();
    assert_eq!(Arc::strong_count(&held), 1);

    pool.start_with(Holds(held.clone()), Restart::Temporary)
        .await
        .unwrap();
    // Only the running worker's.
    assert_eq!(Arc::strong_count(&held), 2);
    tree.shutdown().await.unwrap();
    assert_eq!(Arc::strong_count(&held), 1);
}

/// A worker whose argument is not `Clone`: only ever started as a temporary instance.
struct Once(#[allow(dead_code)] tokio::sync::oneshot::Sender<()>);

impl Worker for Once {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn arguments_that_cannot_be_cloned_start_a_temporary_instance() {
    let (tree, pool) = tree_with(PoolSpec::<Once>::workers("conns")).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let id = pool.start_temporary(Once(tx)).await.unwrap();
    assert_eq!(
        pool.info(id).await.unwrap().child.restart,
        Restart::Temporary
    );
    pool.terminate(id).await.unwrap();
    // The worker, and with it the sender, is gone.
    assert!(rx.await.is_err());
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn max_children_counts_instances_waiting_for_a_restart() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<Scripted<true>>::workers("conns")
            .max_children(1)
            .intensity(10_000, Duration::from_secs(5)),
    ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted<true>>()).await.unwrap();

    // Its run fails, and every restart fails in its init: it waits as `restarting`, retried
    // through the pool's mailbox, so the pool answers between retries.
    let failing = Script::new([Step::Fail]);
    failing.then(std::iter::repeat_n(Step::FailInit, 5_000));
    let id = pool.start(Scripted::new(&failing, &log)).await.unwrap();
    until(&mut events, |e| {
        matches!(e.kind, EventKind::StartFailed { .. })
    })
    .await;

    let counts = pool.count().await.unwrap();
    assert_eq!(
        (counts.active, counts.restarting, counts.workers),
        (0, 1, 1)
    );
    assert_eq!(pool.info(id).await.unwrap().child.phase, Phase::Restarting);
    let full = pool.start(Scripted::new(&Script::default(), &log)).await;
    assert!(
        matches!(full, Err(PoolError::MaxChildren { max: 1, .. })),
        "{full:?}"
    );
    // Terminating it ends its retries and frees its place.
    pool.terminate(id).await.unwrap();
    pool.start(Scripted::new(&Script::default(), &log))
        .await
        .unwrap();
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn failed_restarts_are_retried_and_count_toward_the_pools_intensity() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(ChildSpec::pool(
            PoolSpec::<Scripted<true>>::workers("conns").intensity(3, Duration::from_secs(5)),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted<true>>()).await.unwrap();
    let failing = Script::new([Step::Fail]);
    failing.then(std::iter::repeat_n(Step::FailInit, 10));
    pool.start(Scripted::new(&failing, &log)).await.unwrap();

    let error = tree.join().await.unwrap_err();
    assert!(
        error.to_string().contains("supervisor `app` failed"),
        "{error}"
    );
    let seen = briefs(
        &drain(&mut events),
        &["restart", "start_failed", "intensity"],
    );
    assert_eq!(
        seen,
        [
            // The exit's restart and two retries are within 3 restarts; the third retry is not.
            "restart app/conns/0 [app/conns/0]",
            "start_failed app/conns/0",
            "restart app/conns/0 [app/conns/0]",
            "start_failed app/conns/0",
            "restart app/conns/0 [app/conns/0]",
            "start_failed app/conns/0",
            "intensity app/conns",
            // The root (intensity 0) gives up on the pool's failure.
            "intensity app",
        ]
    );
    // Three inits of restarts ran; the fourth restart was refused before starting.
    assert_eq!(log.with_prefix("init ").len(), 4);
}

/// A worker whose own default restart policy is `temporary`, and which fails at once.
#[derive(Clone)]
struct FailsTemporarily;

impl Worker for FailsTemporarily {
    const RESTART: Restart = Restart::Temporary;

    async fn run(&mut self, _ctx: &Context) -> WorkerResult {
        Err("failed at once".into())
    }
}

#[tokio::test(start_paused = true)]
async fn an_instance_takes_its_worker_types_own_restart_policy_by_default() {
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<FailsTemporarily>::workers("conns"),
    ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<FailsTemporarily>()).await.unwrap();
    pool.start(FailsTemporarily).await.unwrap();
    until(&mut events, |e| brief(e) == "exited app/conns/0 failed").await;
    // Handled after the exit: a temporary instance is gone, not waiting for a restart.
    let count = pool.count().await.unwrap();
    assert_eq!((count.active, count.restarting), (0, 0));
    tree.shutdown().await.unwrap();
    assert_eq!(
        briefs(&drain(&mut events), &["restart"]),
        Vec::<String>::new()
    );
}

#[tokio::test(start_paused = true)]
async fn exceeding_the_pools_intensity_stops_every_instance_and_its_parent_restarts_it_empty() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .intensity(1, Duration::from_secs(5))
        .child(ChildSpec::pool(
            PoolSpec::<Scripted>::workers("conns").intensity(1, Duration::from_secs(5)),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted>()).await.unwrap();
    for _ in 0..3 {
        pool.start(Scripted::new(&Script::new([Step::Idle]), &log))
            .await
            .unwrap();
    }
    // Fails at once, and again after the one restart the pool's intensity allows.
    let failing = Script::new([Step::Fail, Step::Fail]);
    pool.start(Scripted::new(&failing, &log)).await.unwrap();

    let mut seen = until(&mut events, |e| brief(e) == "restart app/conns [app/conns]").await;
    seen.extend(until(&mut events, |e| brief(e) == "ready app/conns").await);
    let mut seen = briefs(
        &seen,
        &[
            "exited app/conns",
            "intensity",
            "shutting_down",
            "restart app/conns ",
        ],
    );
    // The healthy instances end in any order, all before the pool does.
    seen[4..7].sort();
    assert_eq!(
        seen,
        [
            "exited app/conns/3 failed",
            "exited app/conns/3 failed",
            "intensity app/conns",
            "shutting_down app/conns",
            "exited app/conns/0 shutdown",
            "exited app/conns/1 shutdown",
            "exited app/conns/2 shutdown",
            "exited app/conns failed",
            "restart app/conns [app/conns]",
        ]
    );
    assert_eq!(log.with_prefix("stop ").len(), 3);
    // The same handle reaches the pool's next run, which starts empty.
    assert_eq!(pool.count().await.unwrap().active, 0);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_instance_may_be_a_supervisor_of_its_own_children() {
    let log = Log::default();
    let script = Script::default();
    let sessions = {
        let log = log.clone();
        PoolSpec::supervisors("sessions", move |user: String| {
            SupervisorSpec::new("session")
                .strategy(supervisor::Strategy::OneForAll)
                .child(ChildSpec::from_value(
                    format!("reader-{user}"),
                    Scripted::<false>::new(&script, &log),
                ))
                .child(ChildSpec::from_value(
                    format!("writer-{user}"),
                    Scripted::<false>::new(&script, &log),
                ))
        })
    };
    let (tree, pool) = tree_with(sessions).await;
    let id = pool.start("ada".to_owned()).await.unwrap();
    let info = pool.info(id).await.unwrap();
    assert_eq!(info.child.child_type, supervisor::ChildType::Supervisor);
    // Counted as OTP's `count_children` counts a supervisor child.
    let count = pool.count().await.unwrap();
    assert_eq!(
        (count.specs, count.active, count.supervisors, count.workers),
        (1, 1, 1, 0)
    );
    assert_eq!(
        log.with_prefix("run "),
        [
            "run app/sessions/0/reader-ada 0",
            "run app/sessions/0/writer-ada 0"
        ]
    );
    pool.terminate(id).await.unwrap();
    // Its own children stopped in reverse start order with it.
    assert_eq!(
        log.with_prefix("stop "),
        [
            "stop app/sessions/0/writer-ada",
            "stop app/sessions/0/reader-ada"
        ]
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_pools_instances_are_not_restarted_or_deleted_by_name() {
    let (tree, pool) = tree_with(PoolSpec::<Holds>::workers("conns")).await;
    pool.start(Holds(Arc::new(()))).await.unwrap();
    for result in [
        tree.restart_child("conns/0".into()).await,
        tree.delete_child("conns/0".into()).await,
        tree.terminate_child("conns/0".into()).await,
    ] {
        match result {
            Err(ChildError::PoolInstance { path }) => assert_eq!(path, "app/conns/0"),
            other => panic!("expected PoolInstance, got {other:?}"),
        }
    }
    // The pool answers for itself as OTP's simple_one_for_one does.
    let counts = tree.count_children_of("conns".into()).await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.workers), (1, 1, 1));
    let listed = tree.which_children_of("conns".into()).await.unwrap();
    assert_eq!(paths(&listed), ["app/conns/0"]);
    // A pool asked for with the wrong argument type is refused.
    let wrong = tree.pool(conns::<Idle>()).await.unwrap_err();
    assert!(
        matches!(wrong, ChildError::PoolArguments { .. }),
        "{wrong:?}"
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn terminate_and_info_of_an_unknown_instance_are_not_found() {
    let (tree, pool) = tree_with(PoolSpec::<Holds>::workers("conns")).await;
    let id = pool.start(Holds(Arc::new(()))).await.unwrap();
    pool.terminate(id).await.unwrap();
    assert!(matches!(
        pool.terminate(id).await,
        Err(PoolError::NotFound { .. })
    ));
    assert!(matches!(
        pool.info(id).await,
        Err(PoolError::NotFound { .. })
    ));
    // A new instance gets a new serial, even in the freed slot.
    let next = pool.start(Holds(Arc::new(()))).await.unwrap();
    assert_eq!(next.serial(), 1);
    tree.shutdown().await.unwrap();
    assert!(matches!(
        pool.start(Holds(Arc::new(()))).await,
        Err(PoolError::NotRunning { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_handle_keeps_working_across_the_pools_own_restart() {
    let (tree, pool) = tree_with(PoolSpec::<Holds>::workers("conns")).await;
    pool.start(Holds(Arc::new(()))).await.unwrap();
    tree.terminate_child("conns".into()).await.unwrap();
    assert!(matches!(
        pool.start(Holds(Arc::new(()))).await,
        Err(PoolError::NotRunning { .. })
    ));
    tree.restart_child("conns".into()).await.unwrap();
    // The pool starts empty again (its instances are not restarted with it).
    assert_eq!(pool.count().await.unwrap().active, 0);
    pool.start(Holds(Arc::new(()))).await.unwrap();
    assert_eq!(pool.count().await.unwrap().active, 1);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn partitions_share_the_instances_and_the_limit() {
    let (tree, pool) = tree_with(
        PoolSpec::<Holds>::workers("conns")
            .partitions(Partitions::Fixed(2))
            .max_children(5),
    )
    .await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(pool.start(Holds(Arc::new(()))).await.unwrap());
    }
    let per_partition: Vec<usize> = ids.iter().map(|id| id.partition()).collect();
    assert_eq!(per_partition, [0, 1, 0, 1, 0]);
    // 3 + 2: the partition of the sixth start is full.
    assert!(matches!(
        pool.start(Holds(Arc::new(()))).await,
        Err(PoolError::MaxChildren { max: 2, .. })
    ));
    let listed: Vec<String> = pool
        .instances()
        .await
        .unwrap()
        .iter()
        .map(|i| i.child.path.to_string())
        .collect();
    assert_eq!(
        listed,
        [
            "app/conns/p0/0",
            "app/conns/p0/1",
            "app/conns/p0/2",
            "app/conns/p1/0",
            "app/conns/p1/1"
        ]
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_keyed_start_goes_to_the_partition_of_its_key() {
    let (tree, pool) =
        tree_with(PoolSpec::<Holds>::workers("conns").partitions(Partitions::Fixed(2))).await;
    let mut partitions = Vec::new();
    for user in 0..8 {
        let key = format!("user-{user}");
        let first = pool.start_keyed(&key, Holds(Arc::new(()))).await.unwrap();
        // Starts in turn in between do not move a key.
        pool.start(Holds(Arc::new(()))).await.unwrap();
        let again = pool.start_keyed(&key, Holds(Arc::new(()))).await.unwrap();
        assert_eq!(first.partition(), again.partition(), "{key}");
        partitions.push(first.partition());
    }
    // The keys are spread over both partitions, not all placed in one.
    assert!(
        partitions.contains(&0) && partitions.contains(&1),
        "{partitions:?}"
    );
    assert_eq!(pool.count().await.unwrap().active, 24);
    tree.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_thread_partitions_make_one_partition_per_runtime_worker() {
    let (tree, pool) =
        tree_with(PoolSpec::<Holds>::workers("conns").partitions(Partitions::PerThread)).await;
    let mut placed = Vec::new();
    for _ in 0..4 {
        placed.push(pool.start(Holds(Arc::new(()))).await.unwrap().partition());
    }
    // In turn over two partitions (three would give [0, 1, 2, 0]; one, [0, 0, 0, 0]).
    assert_eq!(placed, [0, 1, 0, 1]);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_batch_start_returns_one_result_per_argument_in_order() {
    let (tree, pool) = tree_with(
        PoolSpec::<Holds>::workers("conns")
            .partitions(Partitions::Fixed(2))
            .max_children(4),
    )
    .await;
    let results = pool.start_batch((0..6).map(|_| Holds(Arc::new(())))).await;
    let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
    assert_eq!(ok, [true, true, true, true, false, false]);
    assert_eq!(pool.count().await.unwrap().active, 4);
    tree.shutdown().await.unwrap();
}
