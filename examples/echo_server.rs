//! A TCP echo server with one supervised handler per connection.
//!
//! The tree has two children, started in this order: `conns`, a pool of connection handlers,
//! empty at first, and `acceptor`, which owns the listening socket and, for each connection it
//! accepts, starts a handler in the pool. A handler echoes what it reads until the client closes
//! its side or the handler is asked to stop, then closes the connection. A connection cannot be
//! restarted, so handlers are temporary: one that fails is logged and forgotten. The acceptor is
//! permanent: if it fails, it is restarted on the same socket. Ctrl-C shuts the tree down in
//! reverse start order: the acceptor stops accepting, then the pool stops every handler at once.
//!
//! Run it with `cargo run --example echo_server` (any free port; the log says which) or
//! `PORT=7000 cargo run --example echo_server`, then talk to it with `nc 127.0.0.1 7000`.
//! (`Tree::run`, shown by the `service` example, also handles SIGTERM and systemd.)

use std::net::SocketAddr;
use std::sync::Arc;

use supervisor::{
    ChildRef, ChildSpec, Context, PoolError, PoolKey, PoolSpec, Restart, SupervisorSpec, Worker,
    WorkerResult,
};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// The most connections served at once; the acceptor closes any beyond them at once.
pub const MAX_CONNECTIONS: usize = 10_000;

/// The server's tree, serving the connections that come to `listener`.
pub fn tree(listener: TcpListener) -> SupervisorSpec {
    SupervisorSpec::new("echo")
        .child(ChildSpec::pool(
            PoolSpec::<Handler>::workers("conns").max_children(MAX_CONNECTIONS),
        ))
        .child(ChildSpec::from_value(
            "acceptor",
            Acceptor {
                listener: Arc::new(listener),
            },
        ))
}

/// The key of the connection pool: `tree.pool(conns())`, or `ctx.pool(conns())` from a worker
/// of the tree, gives its typed handle.
pub fn conns() -> PoolKey<ChildRef, Handler> {
    PoolKey::new("conns".into())
}

/// Accepts connections and starts a handler for each in the pool. Its runs share the listening
/// socket, so a restarted acceptor serves the same port.
#[derive(Clone)]
pub struct Acceptor {
    listener: Arc<TcpListener>,
}

impl Worker for Acceptor {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let conns = ctx.pool(conns()).await?;
        loop {
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => accepted?,
                () = ctx.shutdown_requested() => return Ok(()),
            };
            // A socket cannot be cloned, and need not be: a temporary start keeps no copy.
            match conns.start_temporary(Handler { stream, peer }).await {
                Ok(instance) => tracing::info!(%peer, %instance, "connection accepted"),
                // The handler, and with it the connection, was dropped.
                Err(error @ PoolError::MaxChildren { .. }) => {
                    tracing::warn!(%peer, %error, "connection refused");
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
}

/// Serves one connection: echoes what it reads until the client closes its side or the handler
/// is asked to stop, then closes the connection.
pub struct Handler {
    stream: TcpStream,
    peer: SocketAddr,
}

impl Worker for Handler {
    const RESTART: Restart = Restart::Temporary;

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let (mut reader, mut writer) = self.stream.split();
        tokio::select! {
            echoed = tokio::io::copy(&mut reader, &mut writer) => {
                tracing::debug!(peer = %self.peer, bytes = echoed?, "the client closed its side");
            }
            () = ctx.shutdown_requested() => {
                tracing::debug!(peer = %self.peer, "asked to stop");
            }
        }
        // Tells the client that no more data comes; the socket closes as the handler is dropped.
        self.stream.shutdown().await?;
        Ok(())
    }
}

#[allow(dead_code)] // tests/tests/echo_server.rs includes this file for `tree`, not `main`.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();

    let port: u16 = std::env::var("PORT").map_or(Ok(0), |port| port.parse())?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!(address = %listener.local_addr()?, "listening; Ctrl-C stops the server");
    let tree = tree(listener).start().await?;

    let handle = tree.handle();
    let mut ended = std::pin::pin!(tree.join());
    tokio::select! {
        // The tree ends by itself only when its root gives up (the acceptor failing too often).
        ended = &mut ended => return Ok(ended?),
        signal = tokio::signal::ctrl_c() => signal?,
    }
    tracing::info!("shutting down");
    handle.request_shutdown();
    ended.await?;
    tracing::info!("stopped cleanly: every connection closed");
    Ok(())
}
