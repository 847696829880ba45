//! The pool scenarios (issue 14), each beside the raw-tokio baseline it is measured against:
//! starting and stopping many idle instances, restarting a failing one, and the same start
//! over two partitions against one.

use std::time::{Duration, Instant};

use supervisor::{
    ChildRef, ChildSpec, Partitions, PoolHandle, PoolKey, PoolSpec, SupervisorSpec, Tree, Worker,
};

use crate::{Countdown, FailFast, Idle};

/// A running tree whose only child is a pool of `W` in `partitions` partitions, with a restart
/// intensity no scenario reaches, and the pool's handle.
pub async fn pool_tree<W: Worker>(partitions: usize) -> (Tree, PoolHandle<W>) {
    let pool = PoolSpec::<W>::workers("pool")
        .intensity(u32::MAX, Duration::from_secs(1))
        .partitions(Partitions::Fixed(partitions));
    let tree = SupervisorSpec::new("bench")
        .child(ChildSpec::pool(pool))
        .start()
        .await
        .expect("start");
    let handle = tree
        .pool(PoolKey::new(ChildRef::from("pool")))
        .await
        .expect("the pool's handle");
    (tree, handle)
}

/// Start and shutdown of `n` idle instances of a pool in `partitions` partitions, started with
/// one batch (`PoolHandle::start_batch`): the time from the call until every instance runs, and
/// the time from the tree's shutdown request until the last instance has ended. The tree is
/// started before the clock, as the baseline's runtime is.
pub async fn pool_start_stop_ours(n: usize, partitions: usize) -> (Duration, Duration) {
    let (tree, pool) = pool_tree::<Idle>(partitions).await;
    let countdown = Countdown::new(n as u64);
    let began = Instant::now();
    let ids = pool
        .start_batch((0..n).map(|_| Idle(countdown.clone())))
        .await;
    countdown.wait().await;
    let started = began.elapsed();
    assert!(ids.iter().all(Result::is_ok), "every instance starts");
    drop(ids);
    let began = crate::stop_phase_begins();
    tree.shutdown().await.expect("shutdown");
    (started, began.elapsed())
}

/// Restarts of one permanent instance that fails at once: the time of `n` restarts (the
/// baseline is [`restart_baseline`](crate::restart_baseline)).
pub async fn pool_restart_ours(n: u64) -> Duration {
    let (tree, pool) = pool_tree::<FailFast>(1).await;
    let countdown = Countdown::new(n + 1);
    let began = Instant::now();
    pool.start(FailFast(countdown.clone()))
        .await
        .expect("the instance starts");
    countdown.wait().await;
    let took = began.elapsed();
    tree.shutdown().await.expect("shutdown");
    took
}

/// A pool's tree with `n` idle instances started (each ticks `countdown` once it runs) by
/// batches of `batch`, for the reading of what they hold: the instances' arguments are built
/// while being started, as the baseline's tasks capture theirs while being spawned. Each
/// batch's ids (32 bytes an instance) are dropped once checked; one batch of 10⁵ leaves
/// 3.2 MB of them in the heap's pages, which the suite's heap settings never give back.
/// Returns the tree, to be shut down after the reading.
pub async fn pool_of_idle_instances(n: usize, batch: usize, countdown: &Countdown) -> Tree {
    let (tree, pool) = pool_tree::<Idle>(1).await;
    let mut left = n;
    while left > 0 {
        let k = left.min(batch);
        left -= k;
        let ids = pool
            .start_batch((0..k).map(|_| Idle(countdown.clone())))
            .await;
        assert!(ids.iter().all(Result::is_ok), "every instance starts");
    }
    tree
}

/// Start of `n` idle instances of a pool in `partitions` partitions by `callers` tasks at
/// once, each calling `PoolHandle::start` for one instance at a time (an acceptor's pattern),
/// until every instance runs. What partitions are for: one pool answers every start in turn.
pub async fn pool_start_concurrent_ours(n: usize, partitions: usize, callers: usize) -> Duration {
    let (tree, pool) = pool_tree::<Idle>(partitions).await;
    let countdown = Countdown::new(n as u64);
    let began = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|c| {
            let (pool, countdown) = (pool.clone(), countdown.clone());
            let share = n / callers + usize::from(c < n % callers);
            tokio::spawn(async move {
                for _ in 0..share {
                    pool.start(Idle(countdown.clone()))
                        .await
                        .expect("the instance starts");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a caller panicked");
    }
    countdown.wait().await;
    let took = began.elapsed();
    tree.shutdown().await.expect("shutdown");
    took
}
