//! A realistic tree declared inline in `main` from parsed configuration.
//!
//! The configuration (normally a file or the environment) decides the ports and how many times
//! the flaky upstream fails; the tree captures those local values where it is declared, and the
//! one child the declaration leaves open is supplied through the generated builder. The program
//! shows a failure, the restart the strategy decides, and a clean shutdown, then exits.
//!
//! Run it with `cargo run --example config_tree`; override a setting with e.g.
//! `UPSTREAM_FAILURES=3 cargo run --example config_tree`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use supervisor::{Context, EventKind, WorkerResult, supervision_tree, worker};

/// The service's settings, parsed from `key = value` lines, then from the environment.
#[derive(Debug)]
struct Config {
    http_port: u16,
    admin_port: u16,
    upstream_url: String,
    upstream_failures: u32,
}

const DEFAULTS: &str = "
    http_port = 8080
    admin_port = 9090
    upstream_url = tcp://127.0.0.1:7000
    upstream_failures = 2
";

impl Config {
    fn parse(text: &str) -> Result<Self, String> {
        let mut config = Config {
            http_port: 0,
            admin_port: 0,
            upstream_url: String::new(),
            upstream_failures: 0,
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| format!("not `key = value`: {line}"))?;
            let key = key.trim();
            let value =
                std::env::var(key.to_uppercase()).unwrap_or_else(|_| value.trim().to_owned());
            let bad = |e: std::num::ParseIntError| format!("{key}: {e}");
            match key {
                "http_port" => config.http_port = value.parse().map_err(bad)?,
                "admin_port" => config.admin_port = value.parse().map_err(bad)?,
                "upstream_url" => config.upstream_url = value,
                "upstream_failures" => config.upstream_failures = value.parse().map_err(bad)?,
                other => return Err(format!("unknown setting `{other}`")),
            }
        }
        Ok(config)
    }
}

/// Keeps a connection to the upstream; fails the first `failures` times it runs.
#[worker(shutdown = 1s)]
async fn upstream(ctx: &Context, url: String, failures: u32, runs: Arc<AtomicU32>) -> WorkerResult {
    let run = runs.fetch_add(1, Ordering::SeqCst);
    tracing::info!(%url, run, "connecting to the upstream");
    tokio::time::sleep(Duration::from_millis(50)).await;
    if run < failures {
        return Err(format!("upstream {url} closed the connection").into());
    }
    ctx.shutdown_requested().await;
    Ok(())
}

/// Serves requests on a port until asked to stop.
#[worker(restart = permanent, shutdown = 2s)]
async fn listener(ctx: &Context, port: u16) -> WorkerResult {
    tracing::info!(port, "listening");
    ctx.shutdown_requested().await;
    tracing::info!(port, "no longer listening");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();

    let config = Config::parse(DEFAULTS)?;
    tracing::info!(?config, "configuration");
    let upstream_runs = Arc::new(AtomicU32::new(0));

    supervision_tree! {
        /// The service: the upstream connection first, then the web layer that depends on it.
        let service = supervisor Service {
            strategy: rest_for_one,
            intensity: 5 within 10s,

            /// Restarting it restarts the web layer too (rest_for_one).
            worker upstream: Upstream = Upstream::new(
                config.upstream_url.clone(),
                config.upstream_failures,
                upstream_runs.clone(),
            );
            supervisor web: Web {
                strategy: one_for_one,
                depends_on: [upstream],
                worker http: Listener = Listener::new(config.http_port);
                worker admin: Listener, restart: transient;
            }
        };
    }

    let mut spec = service.web_admin(Listener::new(config.admin_port)).build();
    let mut events = spec.subscribe();
    let tree = spec.start().await?.with_keys::<ServiceChild>();

    // Watch the upstream fail and the strategy restart it with the web layer behind it, until
    // the web layer is ready again after the upstream's last failure. (Waiting for an event,
    // not for the upstream's run counter: the counter may move after the last event came.)
    loop {
        let event = events.recv().await?;
        match &event.kind {
            EventKind::RestartDecided { children } => {
                tracing::info!(after = %event.path, ?children, "restart decided");
            }
            EventKind::Ready { generation }
                if event.path == "service/web"
                    && *generation == u64::from(config.upstream_failures) =>
            {
                break;
            }
            _ => {}
        }
    }
    let upstream = tree.child(ServiceChild::Upstream).await?;
    tracing::info!(
        restarts = upstream.restart_count,
        last_failure = ?upstream.last_failure.map(|f| f.failure.to_string()),
        "upstream is up"
    );
    tree.terminate_child(ServiceChild::Web(WebChild::Admin))
        .await?;
    tracing::info!(counts = ?tree.count_children_of(ServiceChild::Web(WebChild::Itself)).await?, "admin port closed by hand");

    tree.shutdown().await?;
    tracing::info!("service stopped cleanly");
    Ok(())
}
