//! Stopping a pool: every instance asked at once, one timer per shutdown, the slow ones aborted
//! (whatever the partitions); a start cut short by the stop; nothing left running afterwards,
//! even when the pool itself is killed half-way.

use std::sync::Arc;
use std::time::Duration;

use supervisor::{
    ChildSpec, EventStream, Partitions, Phase, PoolError, PoolSpec, Shutdown, SupervisorSpec, Tree,
};
use supervisor_tests::*;
use tokio::sync::Notify;

/// Starts a tree `app` with `pool` as its pool `conns`, then one instance per step; returns the
/// tree and its events since its start.
async fn with_instances(
    pool: PoolSpec<Scripted>,
    steps: impl IntoIterator<Item = Step>,
    log: &Log,
) -> (Tree, EventStream) {
    let mut spec = SupervisorSpec::new("app").child(ChildSpec::pool(pool));
    let events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let pool = tree.pool(conns::<Scripted>()).await.unwrap();
    for step in steps {
        pool.start(Scripted::new(&Script::new([step]), log))
            .await
            .unwrap();
    }
    (tree, events)
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

#[tokio::test(start_paused = true)]
async fn shutdown_asks_every_instance_at_once_and_aborts_the_slow_ones_at_the_timeout() {
    let log = Log::default();
    let (tree, mut events) = with_instances(
        PoolSpec::workers("conns").shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        [Step::Idle, Step::Hang, Step::Idle, Step::Hang],
        &log,
    )
    .await;

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
    // Placed in turn: one hanging and one idle instance in each partition.
    let (tree, mut events) = with_instances(
        PoolSpec::workers("conns")
            .partitions(Partitions::Fixed(3))
            .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        [
            Step::Hang,
            Step::Hang,
            Step::Hang,
            Step::Idle,
            Step::Idle,
            Step::Idle,
        ],
        &log,
    )
    .await;

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
