// Every feature of the syntax at module level: docs, strategies, intensity, every option,
// declared values and factories, open children, nested supervisors, depends_on, pools with every
// option and their typed keys, #[worker] on a fn and on an impl block with init.
#![deny(warnings, missing_docs)]
//! A crate whose tree is part of its documented API.

use std::sync::Arc;
use supervisor::{supervision_tree, worker, Context, PoolKey, WorkerResult};

/// Accepts connections.
#[worker(restart = transient, shutdown = 2s)]
pub async fn acceptor(ctx: &Context, port: u16, greeting: String) -> WorkerResult {
    let _ = (port, greeting);
    ctx.shutdown_requested().await;
    Ok(())
}

/// Serves one connection.
#[worker(restart = temporary)]
pub async fn conn(ctx: &Context, peer: u64) -> WorkerResult {
    let _ = peer;
    ctx.shutdown_requested().await;
    Ok(())
}

/// Starts a connection from inside the tree, through the pool's key.
#[worker]
pub async fn greeter(ctx: &Context) -> WorkerResult {
    let conns = ctx.pool(App::CONNS).await?;
    conns.start(Conn::new(7)).await?;
    ctx.shutdown_requested().await;
    Ok(())
}

/// Holds a database connection.
#[derive(Clone)]
pub struct Db {
    url: Arc<str>,
}

#[worker(restart = permanent, shutdown = infinity)]
impl Db {
    async fn init(&mut self, ctx: &Context) -> WorkerResult {
        let _ = (ctx, &self.url);
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }

    /// Not part of the worker: stays an inherent method.
    pub fn url(&self) -> &str {
        &self.url
    }
}

supervision_tree! {
    /// The whole service.
    pub supervisor App {
        strategy: one_for_all,
        intensity: 5 within 10s,

        /// The database.
        worker db: Db = Db { url: Arc::from("postgres://localhost") }, restart: permanent, shutdown: 5s;
        worker cache: Acceptor = || Acceptor::new(6379, String::from("cache")), shutdown: brutal;
        /// Client connections.
        pool conns: Conn, max_children: 10_000, intensity: 3 within 5s, restart: transient,
            shutdown: 2s, partitions: 2, depends_on: [db];
        worker greeter: Greeter = Greeter::new(), depends_on: [conns];
        /// The web layer.
        supervisor web: Web {
            strategy: rest_for_one,
            intensity: 3 within 500ms,
            restart: transient,
            shutdown: infinity,
            depends_on: [db],
            worker listener: Acceptor;
            worker admin: Acceptor = Acceptor::new(9090, String::new()), depends_on: [listener], restart: temporary;
            pool sessions: Conn, max_children: infinity, partitions: per_thread, depends_on: [listener];
            supervisor deep: Deep {
                worker leaf: Acceptor, shutdown: 1m;
                pool jobs: Db;
            }
        }
    }
}

fn main() {
    let builder = App::builder()
        .web_listener(Acceptor::new(8080, String::from("hi")))
        .web_deep_leaf(Acceptor::new(1, String::new()));
    let spec = builder.build();
    assert_eq!(spec.name(), App::NAME);
    assert_eq!(spec.child_specs().len(), 5);
    let _: PoolKey<AppChild, Conn> = App::CONNS;
    let _: PoolKey<AppChild, Conn> = Web::SESSIONS;
    let _: PoolKey<AppChild, Db> = Deep::JOBS;
    let _ = AppChild::Conns;
    let _ = AppChild::Web(WebChild::Deep(DeepChild::Jobs));
    assert_eq!(Web::NAME, "web");
    let _: AppChild = AppChild::Web(WebChild::Deep(DeepChild::Leaf));
    let _ = AppChild::Web(WebChild::Itself);
    let db = Db { url: Arc::from("x") };
    assert_eq!(db.url(), "x");
}
