//! As many workers as the configuration says, through a pool: the tree starts with its pool
//! empty, then one instance per index is started in it. Each instance is restarted on its own,
//! from its own index, when it fails (here worker 0 fails once); the shutdown stops them all at
//! once.
//!
//! Run it with `cargo run --example worker_pool`, or `WORKERS=8 cargo run --example worker_pool`.

use supervisor::{Context, EventKind, InstanceInfo, WorkerResult, supervision_tree, worker};

/// How many workers run unless `WORKERS` says otherwise.
const DEFAULT_WORKERS: usize = 4;

/// Works on its share of the load, which `index` picks, until asked to stop. Worker 0 fails on
/// its first run, as if its connection dropped.
#[worker(shutdown = 1s)]
async fn consumer(ctx: &Context, index: usize) -> WorkerResult {
    if index == 0 && ctx.generation() == 0 {
        return Err("worker 0 lost its connection".into());
    }
    tracing::info!(index, generation = ctx.generation(), "working");
    ctx.shutdown_requested().await;
    Ok(())
}

supervision_tree! {
    /// The program: the pool of workers, empty until they are started in it.
    pub supervisor App {
        // A pool that gave up would be restarted empty, its workers gone: give up with it instead.
        intensity: 0 within 5s,

        /// The workers, permanent: more than 3 restarts within 5 s and the pool gives up.
        pool consumers: Consumer, intensity: 3 within 5s;
    }
}

/// Starts the tree and `workers` consumers in its pool, waits until worker 0 has been restarted,
/// and shuts the tree down; returns the instances as they were right before the shutdown.
pub async fn run(workers: usize) -> Result<Vec<InstanceInfo>, Box<dyn std::error::Error>> {
    let tree = App::builder().start().await?;
    let consumers = tree.pool(App::CONSUMERS).await?;
    let mut ids = Vec::with_capacity(workers);
    for index in 0..workers {
        let id = consumers.start(Consumer::new(index)).await?;
        tracing::info!(index, instance = %id, "started");
        ids.push(id);
    }

    // Worker 0 fails at once and is restarted from the same argument: wait for that restart,
    // unless it has happened already (asked after subscribing, so that it cannot slip between).
    let mut events = tree.subscribe();
    let first = consumers.info(ids[0]).await?.child;
    if first.restart_count == 0 {
        loop {
            let event = events.recv().await?;
            if event.path == first.path
                && matches!(event.kind, EventKind::Started { generation: 1 })
            {
                break;
            }
        }
    }
    let instances = consumers.instances().await?;
    for instance in &instances {
        tracing::info!(
            child = %instance.child.path,
            restarts = instance.child.restart_count,
            "running"
        );
    }
    tree.shutdown().await?;
    tracing::info!("every worker stopped");
    Ok(instances)
}

/// How many workers the configuration asks for: `WORKERS` (its value given here), a whole
/// number of at least 1, or [`DEFAULT_WORKERS`] if it is not set.
pub fn workers_from(setting: Option<&str>) -> Result<usize, String> {
    let Some(setting) = setting else {
        return Ok(DEFAULT_WORKERS);
    };
    match setting.trim().parse::<usize>() {
        Ok(0) => Err("WORKERS must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("WORKERS must be a whole number, not `{setting}`")),
    }
}

#[allow(dead_code)] // tests/tests/worker_pool_example.rs includes this file for `run`, not `main`.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();

    let workers = workers_from(std::env::var("WORKERS").ok().as_deref())?;
    run(workers).await?;
    Ok(())
}
