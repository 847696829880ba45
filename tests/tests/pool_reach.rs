//! Reaching a pool from inside its tree: a worker's context finds it by its typed key (from the
//! run phase, or from an init phase the tree's start waits for), and a declared tree names its
//! instances through its typed keys.

use std::sync::Arc;
use std::time::Duration;

use supervisor::{
    ChildError, ChildRef, ChildSpec, Context, EventKind, PoolError, PoolKey, PoolSpec,
    SupervisorSpec, Worker, WorkerResult,
};
use supervisor_tests::*;

/// Starts one instance of the tree's `conns` pool, found through its context.
#[derive(Clone)]
struct Acceptor;

impl Worker for Acceptor {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let pool = ctx.pool(conns::<Holds>()).await?;
        pool.start(Holds(Arc::new(()))).await?;
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_worker_of_the_tree_reaches_a_pool_through_its_context() {
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
        .child(ChildSpec::from_value("acceptor", Acceptor));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| {
        e.path == "app/conns/0" && matches!(e.kind, EventKind::Ready { .. })
    })
    .await;
    let pool = tree.pool(conns::<Holds>()).await.unwrap();
    assert_eq!(pool.count().await.unwrap().active, 1);
    tree.shutdown().await.unwrap();
}

/// Starts one instance of the pool at `web/conns` from its init phase, which its supervisors
/// wait for while the tree starts.
#[derive(Clone)]
struct StartsInInit;

impl Worker for StartsInInit {
    const HAS_INIT: bool = true;

    async fn init(&mut self, ctx: &Context) -> WorkerResult {
        let pool = ctx
            .pool(PoolKey::<ChildRef, Holds>::new("web/conns".into()))
            .await?;
        pool.start(Holds(Arc::new(()))).await?;
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_worker_reaches_a_pool_from_its_init_phase_while_the_tree_starts() {
    // Before the registry, the lookup asked the root, which was waiting for this very init:
    // the start never ended (the timeout below fails the test instead of hanging it).
    let spec = SupervisorSpec::new("app").child(ChildSpec::supervisor(
        SupervisorSpec::new("web")
            .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
            .child(ChildSpec::from_value("acceptor", StartsInInit)),
    ));
    let tree = tokio::time::timeout(Duration::from_secs(60), spec.start())
        .await
        .expect("the start does not wait for ever")
        .unwrap();
    let pool = tree
        .pool(PoolKey::<ChildRef, Holds>::new("web/conns".into()))
        .await
        .unwrap();
    assert_eq!(pool.count().await.unwrap().active, 1);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn after_its_supervisors_restart_a_worker_reaches_the_new_pool_from_its_init() {
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
                .child(ChildSpec::from_value("acceptor", StartsInInit)),
        ))
        .start()
        .await
        .unwrap();
    let key = || PoolKey::<ChildRef, Holds>::new("web/conns".into());
    let old = tree.pool(key()).await.unwrap();
    assert_eq!(old.count().await.unwrap().active, 1);
    let mut probe = supervisor::testing::Probe::new(&tree);
    probe.crash(&tree, "web".into(), "web failed").await;
    probe.restarted(ChildRef::from("web")).await;
    // The restarted `web` made a new pool: the acceptor's second init found it (not the old,
    // stopped one, whose start would have failed the init), and started one instance in it.
    let pool = tree.pool(key()).await.unwrap();
    assert_eq!(pool.count().await.unwrap().active, 1);
    assert!(matches!(
        old.count().await,
        Err(PoolError::NotRunning { .. })
    ));
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_context_names_a_missing_pool_or_one_of_another_argument_type() {
    #[derive(Clone)]
    struct Asks;
    impl Worker for Asks {
        const HAS_INIT: bool = true;
        async fn init(&mut self, ctx: &Context) -> WorkerResult {
            match ctx
                .pool(PoolKey::<ChildRef, Holds>::new("nope".into()))
                .await
            {
                Err(ChildError::NotFound { path }) => assert_eq!(path, "app/nope"),
                other => panic!("expected NotFound, got {other:?}"),
            }
            match ctx
                .pool(PoolKey::<ChildRef, u32>::new("conns".into()))
                .await
            {
                Err(ChildError::PoolArguments { path, .. }) => assert_eq!(path, "app/conns"),
                other => panic!("expected PoolArguments, got {other:?}"),
            }
            Ok(())
        }
        async fn run(&mut self, ctx: &Context) -> WorkerResult {
            ctx.shutdown_requested().await;
            Ok(())
        }
    }
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::pool(PoolSpec::<Holds>::workers("conns")))
        .child(ChildSpec::from_value("asks", Asks))
        .start()
        .await
        .unwrap();
    tree.shutdown().await.unwrap();
}

mod declared {
    use supervisor::{Context, EventKind, InstancePath, WorkerResult, supervision_tree, worker};

    /// A connection handler.
    #[worker(restart = temporary)]
    async fn conn(ctx: &Context, id: u32) -> WorkerResult {
        let _ = id;
        ctx.shutdown_requested().await;
        Ok(())
    }

    supervision_tree! {
        supervisor Server {
            pool conns: Conn, max_children: 10;
            supervisor web: Web {
                pool sessions: Conn, partitions: 2;
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pool_instance_is_named_by_its_trees_typed_keys() {
        let tree = Server::builder().start().await.unwrap();
        let mut events = tree.subscribe();
        tree.pool(Server::CONNS)
            .await
            .unwrap()
            .start(Conn::new(1))
            .await
            .unwrap();
        let sessions = tree.pool(Web::SESSIONS).await.unwrap();
        sessions.start(Conn::new(2)).await.unwrap();
        sessions.start(Conn::new(3)).await.unwrap();
        let mut named = Vec::new();
        while named.len() < 3 {
            let event = events.recv().await.unwrap();
            if let EventKind::Ready { .. } = event.kind
                && let Some(instance) = event.instance::<ServerChild>()
            {
                // Not a declared child.
                assert_eq!(event.child::<ServerChild>(), None);
                named.push(instance);
            }
        }
        assert_eq!(
            named,
            [
                InstancePath {
                    pool: ServerChild::Conns,
                    partition: 0,
                    serial: 0
                },
                InstancePath {
                    pool: ServerChild::Web(WebChild::Sessions),
                    partition: 0,
                    serial: 0
                },
                InstancePath {
                    pool: ServerChild::Web(WebChild::Sessions),
                    partition: 1,
                    serial: 0
                },
            ]
        );
        // As listed by its pool.
        let listed: Vec<_> = sessions
            .instances()
            .await
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i.child.child::<ServerChild>(),
                    i.child.instance::<ServerChild>(),
                )
            })
            .collect();
        assert_eq!(listed, [(None, Some(named[1])), (None, Some(named[2]))]);
        // A declared child is not an instance.
        for child in tree.which_children().await.unwrap() {
            assert_eq!(child.instance::<ServerChild>(), None, "{}", child.path);
            assert!(child.child::<ServerChild>().is_some(), "{}", child.path);
        }
        tree.shutdown().await.unwrap();
    }
}
