//! A small tree built with the builder API: a database worker that crashes twice and is
//! restarted, a web supervisor with an acceptor, then a clean shutdown in reverse start order.
//!
//! Run it with `cargo run --example quickstart`; set `RUST_LOG=debug` to see every start.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use supervisor::{
    ChildSpec, Context, EventKind, Restart, Shutdown, Strategy, SupervisorSpec, Worker,
    WorkerResult,
};

/// Pretends to hold a database connection; fails on its first two runs.
#[derive(Clone)]
struct Database {
    runs: Arc<AtomicU32>,
}

impl Worker for Database {
    const HAS_INIT: bool = true;

    async fn init(&mut self, ctx: &Context) -> WorkerResult {
        tracing::info!(generation = ctx.generation(), "connecting");
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(100)).await;
        if run < 2 {
            return Err(format!("connection reset (run {run})").into());
        }
        ctx.shutdown_requested().await;
        tracing::info!("closing the connection");
        Ok(())
    }
}

/// Accepts connections until asked to stop.
#[derive(Clone)]
struct Acceptor;

impl Worker for Acceptor {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        tracing::info!("no longer accepting");
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();

    let database = Database {
        runs: Arc::new(AtomicU32::new(0)),
    };
    let mut spec = SupervisorSpec::new("app")
        .strategy(Strategy::RestForOne)
        .intensity(3, Duration::from_secs(5))
        .child(
            ChildSpec::from_value("db", database.clone())
                .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
        )
        .child(ChildSpec::supervisor(SupervisorSpec::new("web").child(
            ChildSpec::from_value("acceptor", Acceptor).restart(Restart::Transient),
        )));
    let mut events = spec.subscribe();
    let tree = spec.start().await?;

    // Wait until the database has been restarted twice and the web layer behind it (restarted
    // with it, rest_for_one) is ready again. Waiting for an event, not for the run counter: the
    // counter may move after the last event came.
    loop {
        let event = events.recv().await?;
        match &event.kind {
            EventKind::RestartDecided { children } => {
                tracing::info!(seq = event.seq, after = %event.path, ?children, "restart decided");
            }
            EventKind::Ready { generation: 2 } if event.path == "app/web" => break,
            _ => {}
        }
    }
    for child in tree.which_children().await? {
        tracing::info!(path = %child.path, phase = ?child.phase, restarts = child.restart_count, "child");
    }

    tree.shutdown().await?;
    tracing::info!("tree shut down cleanly");
    Ok(())
}
