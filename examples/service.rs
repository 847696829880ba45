//! A service run as the program's whole life, as systemd or Kubernetes runs it: `Tree::run`
//! starts a graceful shutdown on SIGINT or SIGTERM (a second signal aborts what is left), tells
//! systemd `READY=1` / `STOPPING=1` when `NOTIFY_SOCKET` is set, and returns the exit code:
//! success after a requested shutdown, failure (with the failing child's path logged) when the
//! root gives up.
//!
//! Run it with `cargo run --example service`, stop it with Ctrl-C; `SERVICE_DB_FAILS=1` makes
//! its database connection drop soon after every start, so the root exceeds its intensity and
//! the program exits with a failure code.

use std::process::ExitCode;
use std::time::Duration;

use supervisor::{ChildSpec, Context, SupervisorSpec, Worker, WorkerResult};

/// A database connection that is ready once connected; when told to, the connection drops
/// soon after every start.
#[derive(Clone)]
struct Database {
    fails: bool,
}

impl Worker for Database {
    const HAS_INIT: bool = true;

    async fn init(&mut self, _ctx: &Context) -> WorkerResult {
        tracing::info!("database connected");
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        if self.fails {
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Err("connection to 127.0.0.1:5432 lost".into());
        }
        ctx.shutdown_requested().await;
        tracing::info!("database stopped");
        Ok(())
    }
}

/// Any long-running part of the service: it idles until asked to stop.
#[derive(Clone)]
struct Part {
    name: &'static str,
}

impl Worker for Part {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        tracing::info!("{} running", self.name);
        ctx.shutdown_requested().await;
        tracing::info!("{} stopped", self.name);
        Ok(())
    }
}

/// The service's tree: the database first, the cache, then the web front.
pub fn service(db_fails: bool) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .intensity(2, Duration::from_secs(10))
        .child(ChildSpec::from_value("db", Database { fails: db_fails }))
        .child(ChildSpec::from_value("cache", Part { name: "cache" }))
        .child(ChildSpec::from_value("web", Part { name: "web" }))
}

/// Public so that the process tests can build the same program as a binary of their own.
#[tokio::main]
pub async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();
    let db_fails = std::env::var_os("SERVICE_DB_FAILS").is_some();
    match service(db_fails).start().await {
        Ok(tree) => tree.run().await,
        Err(error) => {
            tracing::error!(%error, "service did not start");
            ExitCode::FAILURE
        }
    }
}
