//! The `worker_pool` example starts one instance per index in its pool; the one that fails is
//! restarted on its own, and the shutdown stops them all.

#[path = "../../examples/worker_pool.rs"]
mod worker_pool;

use std::time::Duration;

use supervisor::Phase;

#[tokio::test]
async fn the_worker_pool_example_runs_each_index_once_and_restarts_only_the_failing_one() {
    // Bounded: a restart that never comes fails the test instead of hanging it.
    let instances = tokio::time::timeout(Duration::from_secs(30), worker_pool::run(6))
        .await
        .expect("the worker_pool example did not finish")
        .unwrap();

    let paths: Vec<String> = instances.iter().map(|i| i.child.path.to_string()).collect();
    assert_eq!(
        paths,
        (0..6)
            .map(|i| format!("app/consumers/{i}"))
            .collect::<Vec<_>>()
    );
    assert!(instances.iter().all(|i| i.child.phase == Phase::Running));
    let restarts: Vec<u64> = instances.iter().map(|i| i.child.restart_count).collect();
    assert_eq!(restarts, [1, 0, 0, 0, 0, 0]);
}

#[test]
fn the_number_of_workers_comes_from_the_configuration() {
    assert_eq!(worker_pool::workers_from(None), Ok(4));
    assert_eq!(worker_pool::workers_from(Some("8")), Ok(8));
    assert_eq!(
        worker_pool::workers_from(Some("0")),
        Err("WORKERS must be at least 1".to_owned())
    );
    assert_eq!(
        worker_pool::workers_from(Some("many")),
        Err("WORKERS must be a whole number, not `many`".to_owned())
    );
}
