//! A worker's run that ends by itself in a way that restarts it leaves its task waiting, and the
//! supervisor (or pool) runs the child's next run in that task rather than spawning one: what a
//! user sees of a restart is unchanged (a fresh worker, a fresh context, the next generation),
//! no task is left behind, and a context of the ended run kept elsewhere never sees the next
//! run's stop request.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use supervisor::{
    Backoff, ChildRef, ChildSpec, Context, PoolKey, PoolSpec, Restart, SupervisorSpec, Worker,
    WorkerResult,
};
use tokio::sync::Notify;

/// What each run saw: its task and its generation.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<Vec<(tokio::task::Id, u64)>>>);

impl Runs {
    fn record(&self, ctx: &Context) {
        let id = tokio::task::id();
        self.0.lock().unwrap().push((id, ctx.generation()));
    }

    fn seen(&self) -> Vec<(tokio::task::Id, u64)> {
        self.0.lock().unwrap().clone()
    }

    /// The runs were generations `0..=last`, all in one task.
    fn assert_one_task(&self, last: u64) {
        let seen = self.seen();
        let generations: Vec<u64> = seen.iter().map(|(_, g)| *g).collect();
        assert_eq!(generations, (0..=last).collect::<Vec<_>>());
        assert!(
            seen.iter().all(|(id, _)| *id == seen[0].0),
            "each restart ran in the first run's task: {seen:?}"
        );
    }
}

/// Fails in its first `failures` runs, then waits to be stopped; tells `settled` once it waits.
#[derive(Clone)]
struct FailsThenIdles {
    failures: u64,
    runs: Runs,
    settled: Arc<Notify>,
    /// Where a run keeps a clone of its context, if asked to.
    kept: Option<Arc<Mutex<Vec<Context>>>>,
}

impl FailsThenIdles {
    fn new(failures: u64) -> Self {
        FailsThenIdles {
            failures,
            runs: Runs::default(),
            settled: Arc::new(Notify::new()),
            kept: None,
        }
    }
}

impl Worker for FailsThenIdles {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        self.runs.record(ctx);
        if let Some(kept) = &self.kept {
            kept.lock().unwrap().push(ctx.clone());
        }
        if ctx.generation() < self.failures {
            return Err("fails on purpose".into());
        }
        self.settled.notify_one();
        ctx.shutdown_requested().await;
        Ok(())
    }
}

fn alive() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test(start_paused = true)]
async fn a_restarted_worker_runs_in_the_task_of_its_previous_run() {
    let before = alive();
    let worker = FailsThenIdles::new(3);
    let (runs, settled) = (worker.runs.clone(), worker.settled.clone());
    let tree = SupervisorSpec::new("app")
        .intensity(10, Duration::from_secs(1))
        .child(ChildSpec::from_value("w", worker))
        .start()
        .await
        .unwrap();
    settled.notified().await;

    runs.assert_one_task(3);
    tree.shutdown().await.unwrap();
    assert_eq!(alive(), before, "a task of the tree is left");
}

#[tokio::test(start_paused = true)]
async fn a_run_whose_context_is_kept_elsewhere_is_restarted_in_a_task_of_its_own() {
    let before = alive();
    let kept = Arc::new(Mutex::new(Vec::new()));
    let worker = FailsThenIdles {
        kept: Some(kept.clone()),
        ..FailsThenIdles::new(1)
    };
    let (runs, settled) = (worker.runs.clone(), worker.settled.clone());
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::from_value("w", worker))
        .start()
        .await
        .unwrap();
    settled.notified().await;

    let seen = runs.seen();
    assert_eq!(seen.len(), 2);
    assert_ne!(
        seen[0].0, seen[1].0,
        "the second run reused the first's task"
    );
    tree.shutdown().await.unwrap();
    let kept = kept.lock().unwrap();
    assert_eq!(kept[0].generation(), 0);
    assert!(
        !kept[0].is_shutdown_requested(),
        "the ended run's context saw the next run's stop request"
    );
    assert!(kept[1].is_shutdown_requested());
    assert_eq!(alive(), before, "a task of the tree is left");
}

#[tokio::test(start_paused = true)]
async fn a_pool_instance_is_restarted_in_its_task() {
    let before = alive();
    let worker = FailsThenIdles::new(2);
    let (runs, settled) = (worker.runs.clone(), worker.settled.clone());
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::pool(
            PoolSpec::<FailsThenIdles>::workers("conns")
                .restart(Restart::Permanent)
                .intensity(10, Duration::from_secs(1)),
        ))
        .start()
        .await
        .unwrap();
    let pool = tree
        .pool(PoolKey::<ChildRef, FailsThenIdles>::new("conns".into()))
        .await
        .unwrap();
    pool.start(worker).await.unwrap();
    settled.notified().await;

    runs.assert_one_task(2);
    tree.shutdown().await.unwrap();
    assert_eq!(alive(), before, "a task of the tree is left");
}

/// A task that waits through its child's backoff delay, and one whose child is not restarted
/// (the supervisor gave up), are ended with the tree: none is left.
#[tokio::test(start_paused = true)]
async fn no_waiting_task_outlives_its_tree() {
    let before = alive();
    // Restarted after a delay the tree is shut down in.
    let delayed = FailsThenIdles::new(u64::MAX);
    let tree = SupervisorSpec::new("app")
        .child(
            ChildSpec::from_value("w", delayed.clone())
                .backoff(Backoff::fixed(Duration::from_secs(3600))),
        )
        .start()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(delayed.runs.seen().len(), 1);
    tree.shutdown().await.unwrap();
    assert_eq!(alive(), before, "a task of the tree is left");

    // Fails until the supervisor's intensity is exceeded: the tree ends by itself.
    let tree = SupervisorSpec::new("app")
        .intensity(2, Duration::from_secs(1))
        .child(ChildSpec::from_value("w", FailsThenIdles::new(u64::MAX)))
        .start()
        .await
        .unwrap();
    assert!(tree.join().await.is_err(), "the tree gave up");
    assert_eq!(alive(), before, "a task of the tree is left");
}

/// On two threads a parked task may not have parked yet when its supervisor hands it the next
/// run, or may be aborted while it parks: thousands of restarts in a row lose no run and leave
/// no task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_in_place_on_two_threads_lose_nothing() {
    const FAILURES: u64 = 2_000;
    let before = alive();
    let worker = FailsThenIdles::new(FAILURES);
    let (runs, settled) = (worker.runs.clone(), worker.settled.clone());
    let tree = SupervisorSpec::new("app")
        .intensity(FAILURES as u32 + 1, Duration::from_secs(3600))
        .child(ChildSpec::from_value("w", worker))
        .start()
        .await
        .unwrap();
    // A lost hand-over would leave the child waiting: fail instead of hanging.
    tokio::time::timeout(Duration::from_secs(30), settled.notified())
        .await
        .expect("the child's last run did not come");
    let generations: Vec<u64> = runs.seen().iter().map(|(_, g)| *g).collect();
    assert_eq!(generations, (0..=FAILURES).collect::<Vec<_>>());
    tree.shutdown().await.unwrap();
    // The last run's task reports its end once its worker is gone, which the shutdown waits
    // for; the task's own teardown that follows may still be running on the other thread. A
    // task left waiting would never end.
    tokio::time::timeout(Duration::from_secs(10), async {
        while alive() != before {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("a task of the tree is left");
}

/// Fails once `now` is notified.
struct FailsWhenTold(Arc<Notify>);

impl Worker for FailsWhenTold {
    async fn run(&mut self, _ctx: &Context) -> WorkerResult {
        self.0.notified().await;
        Err("told to fail".into())
    }
}

/// When asked to stop, tells `fail` and takes a while to stop.
struct SlowToStop(Arc<Notify>);

impl Worker for SlowToStop {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        self.0.notify_one();
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(())
    }
}

/// A child that fails by itself while its supervisor stops its siblings leaves its task waiting
/// for a restart that will not come: the stop ends and joins it. (On this single-threaded
/// runtime the aborted task would also be polled away before the shutdown returns, by the order
/// tokio runs tasks in; the join is what makes this hold on any runtime. The scenario is kept
/// as a check that the tree ends clean.)
#[tokio::test(start_paused = true)]
async fn a_task_waiting_when_its_supervisor_stops_is_ended_with_the_stop() {
    let before = alive();
    let fail = Arc::new(Notify::new());
    let (a, b) = (fail.clone(), fail.clone());
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::worker("fails", move || FailsWhenTold(a.clone())))
        .child(ChildSpec::worker("slow", move || SlowToStop(b.clone())))
        .start()
        .await
        .unwrap();
    tokio::task::yield_now().await;
    tree.shutdown().await.unwrap();
    assert_eq!(alive(), before, "a task of the tree is left");
}
