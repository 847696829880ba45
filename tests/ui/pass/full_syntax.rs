// Every feature of the syntax at module level: docs, strategies, intensity, every option,
// declared values and factories, open children, nested supervisors, depends_on, #[worker] on a
// fn and on an impl block with init.
#![deny(warnings, missing_docs)]
//! A crate whose tree is part of its documented API.

use std::sync::Arc;
use supervisor::{supervision_tree, worker, Context, WorkerResult};

/// Accepts connections.
#[worker(restart = transient, shutdown = 2s)]
pub async fn acceptor(ctx: &Context, port: u16, greeting: String) -> WorkerResult {
    let _ = (port, greeting);
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
        /// The web layer.
        supervisor web: Web {
            strategy: rest_for_one,
            intensity: 3 within 500ms,
            restart: transient,
            shutdown: infinity,
            depends_on: [db],
            worker listener: Acceptor;
            worker admin: Acceptor = Acceptor::new(9090, String::new()), depends_on: [listener], restart: temporary;
            supervisor deep: Deep {
                worker leaf: Acceptor, shutdown: 1m;
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
    assert_eq!(spec.child_specs().len(), 3);
    assert_eq!(Web::NAME, "web");
    let _: AppChild = AppChild::Web(WebChild::Deep(DeepChild::Leaf));
    let _ = AppChild::Web(WebChild::Itself);
    let db = Db { url: Arc::from("x") };
    assert_eq!(db.url(), "x");
}
