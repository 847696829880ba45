//! Pools: instances started at run time with typed arguments, restarted by their own policy
//! within the pool's intensity, and stopped all at once (OTP's `simple_one_for_one`, Elixir's
//! `DynamicSupervisor`).

use std::sync::Arc;
use std::time::Duration;

use supervisor::{
    ChildError, ChildRef, ChildSpec, Context, EventKind, Partitions, Phase, PoolError, PoolHandle,
    PoolKey, PoolSpec, Restart, Shutdown, SupervisorSpec, Tree, Worker, WorkerResult,
};
use supervisor_tests::*;
use tokio::sync::Notify;

/// The key of the pool called `conns` at the root of a hand-built tree.
fn conns<A>() -> PoolKey<ChildRef, A> {
    PoolKey::new("conns".into())
}

/// A tree with one pool of `pool`, and its handle.
async fn tree_with<A: Send + 'static>(pool: PoolSpec<A>) -> (Tree, PoolHandle<A>) {
    let name = pool.name().to_owned();
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::pool(pool))
        .start()
        .await
        .unwrap();
    let handle = tree.pool(PoolKey::new(name.as_str().into())).await.unwrap();
    (tree, handle)
}

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

#[tokio::test(start_paused = true)]
async fn a_start_cut_short_by_the_pools_shutdown_says_the_pool_is_not_running() {
    let log = Log::default();
    let gate = Arc::new(Notify::new());
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<Scripted<true>>::workers("conns")
            .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
    ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted<true>>()).await.unwrap();
    // A batch of three whose first init waits for a gate that never opens.
    let script = Script::new(std::iter::repeat_n(Step::GatedInit(gate.clone()), 3));
    let batch = {
        let (pool, args) = (pool.clone(), vec![Scripted::new(&script, &log); 3]);
        tokio::spawn(async move { pool.start_batch(args).await })
    };
    until(&mut events, |e| brief(e) == "started app/conns/0").await;

    tree.shutdown().await.unwrap();
    let results = batch.await.unwrap();
    assert_eq!(results.len(), 3);
    for result in &results {
        assert!(
            matches!(result, Err(PoolError::NotRunning { path }) if *path == "app/conns"),
            "{result:?}"
        );
    }
    // The first was stopped in its init (killed after its shutdown of 1 s), the others never
    // begun, and nothing was kept or run.
    assert_eq!(
        briefs(
            &drain(&mut events),
            &["started app/conns/", "exited app/conns/"]
        ),
        ["exited app/conns/0 killed"]
    );
    assert_eq!(log.with_prefix("run "), Vec::<String>::new());
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
async fn shutdown_asks_every_instance_at_once_and_aborts_the_slow_ones_at_the_timeout() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<Scripted>::workers("conns").shutdown(Shutdown::Timeout(Duration::from_secs(2))),
    ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted>()).await.unwrap();
    for step in [Step::Idle, Step::Hang, Step::Idle, Step::Hang] {
        pool.start(Scripted::new(&Script::new([step]), &log))
            .await
            .unwrap();
    }

    let began = tokio::time::Instant::now();
    tree.shutdown().await.unwrap();
    // Not 2 s per hanging instance: one timer for all.
    assert_eq!(began.elapsed(), Duration::from_secs(2));
    let mut exits = briefs(&drain(&mut events), &["exited app/conns/"]);
    exits.sort();
    assert_eq!(
        exits,
        [
            "exited app/conns/0 shutdown",
            "exited app/conns/1 killed",
            "exited app/conns/2 shutdown",
            "exited app/conns/3 killed",
        ]
    );
    assert_eq!(log.with_prefix("stop ").len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_partitioned_pool_asks_the_instances_of_every_partition_at_once() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(
        PoolSpec::<Scripted>::workers("conns")
            .partitions(Partitions::Fixed(3))
            .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
    ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted>()).await.unwrap();
    // Placed in turn: one hanging and one idle instance in each partition.
    for step in [
        Step::Hang,
        Step::Hang,
        Step::Hang,
        Step::Idle,
        Step::Idle,
        Step::Idle,
    ] {
        pool.start(Scripted::new(&Script::new([step]), &log))
            .await
            .unwrap();
    }

    let began = tokio::time::Instant::now();
    tree.shutdown().await.unwrap();
    // One timeout for the whole pool, not one per partition (6 s if they stopped in turn).
    assert_eq!(began.elapsed(), Duration::from_secs(2));
    let mut exits = briefs(&drain(&mut events), &["exited app/conns/p"]);
    exits.sort();
    assert_eq!(
        exits,
        [
            "exited app/conns/p0 shutdown",
            "exited app/conns/p0/0 killed",
            "exited app/conns/p0/1 shutdown",
            "exited app/conns/p1 shutdown",
            "exited app/conns/p1/0 killed",
            "exited app/conns/p1/1 shutdown",
            "exited app/conns/p2 shutdown",
            "exited app/conns/p2/0 killed",
            "exited app/conns/p2/1 shutdown",
        ]
    );
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

/// Starts one instance of the tree's `conns` pool, found through its context.
#[derive(Clone)]
struct Acceptor;

impl Worker for Acceptor {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let pool = ctx.pool(conns::<Holds>()).await?;
        pool.start(Holds(Arc::new(()))).await?;
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_worker_of_the_tree_reaches_a_pool_through_its_context() {
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
        .child(ChildSpec::from_value("acceptor", Acceptor));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| {
        e.path == "app/conns/0" && matches!(e.kind, EventKind::Ready { .. })
    })
    .await;
    let pool = tree.pool(conns::<Holds>()).await.unwrap();
    assert_eq!(pool.count().await.unwrap().active, 1);
    tree.shutdown().await.unwrap();
}

/// Starts one instance of the pool at `web/conns` from its init phase, which its supervisors
/// wait for while the tree starts.
#[derive(Clone)]
struct StartsInInit;

impl Worker for StartsInInit {
    const HAS_INIT: bool = true;

    async fn init(&mut self, ctx: &Context) -> WorkerResult {
        let pool = ctx
            .pool(PoolKey::<ChildRef, Holds>::new("web/conns".into()))
            .await?;
        pool.start(Holds(Arc::new(()))).await?;
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_worker_reaches_a_pool_from_its_init_phase_while_the_tree_starts() {
    // Before the registry, the lookup asked the root, which was waiting for this very init:
    // the start never ended (the timeout below fails the test instead of hanging it).
    let spec = SupervisorSpec::new("app").child(ChildSpec::supervisor(
        SupervisorSpec::new("web")
            .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
            .child(ChildSpec::from_value("acceptor", StartsInInit)),
    ));
    let tree = tokio::time::timeout(Duration::from_secs(60), spec.start())
        .await
        .expect("the start does not wait for ever")
        .unwrap();
    let pool = tree
        .pool(PoolKey::<ChildRef, Holds>::new("web/conns".into()))
        .await
        .unwrap();
    assert_eq!(pool.count().await.unwrap().active, 1);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn after_its_supervisors_restart_a_worker_reaches_the_new_pool_from_its_init() {
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
                .child(ChildSpec::from_value("acceptor", StartsInInit)),
        ))
        .start()
        .await
        .unwrap();
    let key = || PoolKey::<ChildRef, Holds>::new("web/conns".into());
    let old = tree.pool(key()).await.unwrap();
    assert_eq!(old.count().await.unwrap().active, 1);
    let mut probe = supervisor::testing::Probe::new(&tree);
    probe.crash(&tree, "web".into(), "web failed").await;
    probe.restarted(ChildRef::from("web")).await;
    // The restarted `web` made a new pool: the acceptor's second init found it (not the old,
    // stopped one, whose start would have failed the init), and started one instance in it.
    let pool = tree.pool(key()).await.unwrap();
    assert_eq!(pool.count().await.unwrap().active, 1);
    assert!(matches!(
        old.count().await,
        Err(PoolError::NotRunning { .. })
    ));
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_context_names_a_missing_pool_or_one_of_another_argument_type() {
    #[derive(Clone)]
    struct Asks;
    impl Worker for Asks {
        const HAS_INIT: bool = true;
        async fn init(&mut self, ctx: &Context) -> WorkerResult {
            match ctx
                .pool(PoolKey::<ChildRef, Holds>::new("nope".into()))
                .await
            {
                Err(ChildError::NotFound { path }) => assert_eq!(path, "app/nope"),
                other => panic!("expected NotFound, got {other:?}"),
            }
            match ctx
                .pool(PoolKey::<ChildRef, u32>::new("conns".into()))
                .await
            {
                Err(ChildError::PoolArguments { path, .. }) => assert_eq!(path, "app/conns"),
                other => panic!("expected PoolArguments, got {other:?}"),
            }
            Ok(())
        }
        async fn run(&mut self, ctx: &Context) -> WorkerResult {
            ctx.shutdown_requested().await;
            Ok(())
        }
    }
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
        .child(ChildSpec::from_value("asks", Asks))
        .start()
        .await
        .unwrap();
    tree.shutdown().await.unwrap();
}

#[test]
fn ten_thousand_instances_failing_at_random_are_restarted_and_all_stop() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let log = Log::default();
        let tree = SupervisorSpec::new("app")
            .child(ChildSpec::pool(
                PoolSpec::<Scripted>::workers("conns").intensity(100_000, Duration::from_secs(1)),
            ))
            .start()
            .await
            .unwrap();
        let pool = tree.pool(conns::<Scripted>()).await.unwrap();
        // A tenth of them (picked by a fixed pseudo-random sequence) fail three times each.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut failing = 0;
        let args: Vec<Scripted> = (0..10_000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let script = if seed.is_multiple_of(10) {
                    failing += 1;
                    Script::new([Step::Fail, Step::Fail, Step::Fail])
                } else {
                    Script::default()
                };
                Scripted::new(&script, &log)
            })
            .collect();
        let ids: Vec<_> = pool
            .start_batch(args)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert!(failing > 500, "only {failing} failing instances");
        // Every failing instance has run four times (three failures, then idle).
        let expected_runs = 10_000 + 3 * failing;
        for _ in 0..10_000 {
            if log.with_prefix("run ").len() == expected_runs {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(log.with_prefix("run ").len(), expected_runs);
        // Right before the shutdown every (permanent) instance runs.
        let instances = pool.instances().await.unwrap();
        assert_eq!(instances.len(), 10_000);
        assert!(instances.iter().all(|i| i.child.phase == Phase::Running));
        let mut listed: Vec<_> = instances.iter().map(|i| i.id).collect();
        listed.sort();
        let mut started = ids.clone();
        started.sort();
        assert_eq!(listed, started);
        tree.shutdown().await.unwrap();
        assert_eq!(log.with_prefix("stop ").len(), 10_000);
    });
    // No task of the tree is left.
    let metrics = rt.metrics();
    for _ in 0..1_000 {
        if metrics.num_alive_tasks() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(metrics.num_alive_tasks(), 0);
}

mod declared {
    use supervisor::{Context, EventKind, InstancePath, WorkerResult, supervision_tree, worker};

    /// A connection handler.
    #[worker(restart = temporary)]
    async fn conn(ctx: &Context, id: u32) -> WorkerResult {
        let _ = id;
        ctx.shutdown_requested().await;
        Ok(())
    }

    supervision_tree! {
        supervisor Server {
            pool conns: Conn, max_children: 10;
            supervisor web: Web {
                pool sessions: Conn, partitions: 2;
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pool_instance_is_named_by_its_trees_typed_keys() {
        let tree = Server::builder().start().await.unwrap();
        let mut events = tree.subscribe();
        tree.pool(Server::CONNS)
            .await
            .unwrap()
            .start(Conn::new(1))
            .await
            .unwrap();
        let sessions = tree.pool(Web::SESSIONS).await.unwrap();
        sessions.start(Conn::new(2)).await.unwrap();
        sessions.start(Conn::new(3)).await.unwrap();
        let mut named = Vec::new();
        while named.len() < 3 {
            let event = events.recv().await.unwrap();
            if let EventKind::Ready { .. } = event.kind
                && let Some(instance) = event.instance::<ServerChild>()
            {
                // Not a declared child.
                assert_eq!(event.child::<ServerChild>(), None);
                named.push(instance);
            }
        }
        assert_eq!(
            named,
            [
                InstancePath {
                    pool: ServerChild::Conns,
                    partition: 0,
                    serial: 0
                },
                InstancePath {
                    pool: ServerChild::Web(WebChild::Sessions),
                    partition: 0,
                    serial: 0
                },
                InstancePath {
                    pool: ServerChild::Web(WebChild::Sessions),
                    partition: 1,
                    serial: 0
                },
            ]
        );
        // As listed by its pool.
        let listed: Vec<_> = sessions
            .instances()
            .await
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i.child.child::<ServerChild>(),
                    i.child.instance::<ServerChild>(),
                )
            })
            .collect();
        assert_eq!(listed, [(None, Some(named[1])), (None, Some(named[2]))]);
        // A declared child is not an instance.
        for child in tree.which_children().await.unwrap() {
            assert_eq!(child.instance::<ServerChild>(), None, "{}", child.path);
            assert!(child.child::<ServerChild>().is_some(), "{}", child.path);
        }
        tree.shutdown().await.unwrap();
    }
}

/// A pool killed in the middle of its stop (its own shutdown timeout ran out while it waited
/// without limit for its instances) takes its instances with it, as a killed supervisor does
/// its children: none is left running, and none is reported by the pool, which is gone.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_pool_killed_in_its_stop_takes_its_instances_with_it() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app").child(
        ChildSpec::pool(PoolSpec::<Scripted>::workers("conns").shutdown(Shutdown::Infinity))
            .shutdown(Shutdown::Timeout(Duration::from_millis(50))),
    );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted>()).await.unwrap();
    for _ in 0..3 {
        pool.start(Scripted::new(&Script::new([Step::Hang]), &log))
            .await
            .unwrap();
    }
    assert_eq!(
        metrics.num_alive_tasks(),
        before + 5,
        "app, conns, 3 instances"
    );

    let began = tokio::time::Instant::now();
    tree.shutdown().await.unwrap();
    assert_eq!(began.elapsed(), Duration::from_millis(50));
    assert_eq!(
        briefs(&drain(&mut events), &["exited"]),
        ["exited app/conns killed"]
    );
    // The aborted instances are gone once the runtime has run their tasks (the paused clock
    // only moves when none is left to run).
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(
        metrics.num_alive_tasks(),
        before,
        "no task of the tree is left"
    );
}
