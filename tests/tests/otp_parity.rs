//! OTP rules found missing while checking the runtime against OTP's own test suite: a
//! temporary child's start arguments are not kept, a worker's init may `ignore` its start, and
//! a child's spec can be read back with every default filled in (`get_childspec`).

use std::sync::Arc;
use std::time::Duration;

use supervisor::{
    Backoff, ChildRef, ChildSpec, ChildType, EventKind, Intensity, Partitions, Phase, PoolError,
    PoolKey, PoolSettings, PoolSpec, Restart, Shutdown, SpecKind, Strategy, SupervisorSpec,
};
use supervisor_tests::*;

#[tokio::test(start_paused = true)]
async fn a_temporary_childs_factory_is_dropped_once_it_has_started() {
    let held = Arc::new(());
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::from_value("temporary", Holds(held.clone())).restart(Restart::Temporary))
        .child(
            ChildSpec::supervisor(
                SupervisorSpec::new("session")
                    .child(ChildSpec::from_value("reader", Holds(Arc::new(())))),
            )
            .restart(Restart::Temporary),
        )
        .start()
        .await
        .unwrap();
    // Only the running worker holds it: the prototype its factory cloned from is gone.
    assert_eq!(Arc::strong_count(&held), 2);
    // Its type is still reported, for a worker and for a supervisor.
    let types: Vec<_> = tree
        .which_children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.child_type)
        .collect();
    assert_eq!(types, [ChildType::Worker, ChildType::Supervisor]);
    let spec = tree.child_spec("temporary".into()).await.unwrap();
    assert_eq!(
        (spec.kind, spec.child_type),
        (SpecKind::NotKept, ChildType::Worker)
    );
    tree.shutdown().await.unwrap();
    assert_eq!(Arc::strong_count(&held), 1);
}

#[tokio::test(start_paused = true)]
async fn a_child_that_ignores_its_start_stays_stopped_and_the_next_sibling_starts() {
    let log = Log::default();
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "feature",
            Scripted::<true>::new(&Script::new([Step::IgnoreInit, Step::IgnoreInit]), &log),
        ))
        .child(
            ChildSpec::from_value(
                "optional",
                Scripted::<true>::new(&Script::new([Step::IgnoreInit]), &log),
            )
            .restart(Restart::Temporary),
        )
        .child(ChildSpec::from_value(
            "after",
            Scripted::<true>::new(&Script::default(), &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();

    let children = tree.which_children().await.unwrap();
    // The temporary one is dropped; the permanent one is kept, not running; no failure.
    assert_eq!(paths(&children), ["app/feature", "app/after"]);
    assert_eq!(children[0].phase, Phase::Stopped);
    assert!(children[0].last_failure.is_none());
    assert_eq!(children[1].phase, Phase::Running);
    let seen = briefs(&drain(&mut events), &["ignored", "ready", "start_failed"]);
    assert_eq!(
        seen,
        [
            "ignored app/feature",
            "ignored app/optional",
            "ready app/after",
            "ready app"
        ]
    );
    // restart_child of a child that ignores again: OTP's `{ok, undefined}`.
    tree.restart_child("feature".into()).await.unwrap();
    assert_eq!(
        tree.child("feature".into()).await.unwrap().phase,
        Phase::Stopped
    );
    // And once it does start, it runs.
    tree.restart_child("feature".into()).await.unwrap();
    assert_eq!(
        tree.child("feature".into()).await.unwrap().phase,
        Phase::Running
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_pool_keeps_nothing_of_an_instance_that_ignores_its_start() {
    let log = Log::default();
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::pool(
            PoolSpec::<Scripted<true>>::workers("conns").intensity(5, Duration::from_secs(5)),
        ))
        .start()
        .await
        .unwrap();
    let pool = tree
        .pool(PoolKey::<ChildRef, Scripted<true>>::new("conns".into()))
        .await
        .unwrap();
    let ignored = pool
        .start(Scripted::new(&Script::new([Step::IgnoreInit]), &log))
        .await;
    match ignored {
        Err(PoolError::Ignored { path }) => assert_eq!(path, "app/conns/0"),
        other => panic!("expected Ignored, got {other:?}"),
    }
    assert_eq!(pool.count().await.unwrap().workers, 0);

    // An instance whose restart ignores is dropped, as OTP drops it.
    let mut events = tree.subscribe();
    let script = Script::new([Step::Fail, Step::IgnoreInit]);
    let id = pool.start(Scripted::new(&script, &log)).await.unwrap();
    until(&mut events, |e| matches!(e.kind, EventKind::Ignored { .. })).await;
    assert!(matches!(
        pool.info(id).await,
        Err(PoolError::NotFound { .. })
    ));
    assert_eq!(pool.count().await.unwrap().workers, 0);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_childs_spec_reads_back_with_every_default_filled_in() {
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::from_value("db", Holds(Arc::new(()))))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .strategy(Strategy::RestForOne)
                .child(ChildSpec::from_value("acceptor", Holds(Arc::new(())))),
        ))
        .child(ChildSpec::pool(
            PoolSpec::<Holds>::workers("conns")
                .max_children(10)
                .partitions(Partitions::Fixed(2)),
        ))
        .start()
        .await
        .unwrap();

    let db = tree.child_spec("db".into()).await.unwrap();
    assert_eq!(db.path, "app/db");
    assert_eq!(
        (db.child_type, db.restart, db.shutdown, db.kind),
        (
            ChildType::Worker,
            Restart::Permanent,
            Shutdown::Timeout(Duration::from_secs(5)),
            SpecKind::Worker
        )
    );
    let web = tree.child_spec("web".into()).await.unwrap();
    assert_eq!(
        (web.child_type, web.shutdown, web.kind),
        (
            ChildType::Supervisor,
            Shutdown::Infinity,
            SpecKind::Supervisor {
                strategy: Strategy::RestForOne,
                intensity: Intensity::default(),
                children: 1,
            }
        )
    );
    let nested = tree.child_spec("web/acceptor".into()).await.unwrap();
    assert_eq!(nested.path, "app/web/acceptor");
    let template = PoolSettings {
        max_children: Some(10),
        intensity: Intensity::default(),
        restart: Restart::Permanent,
        shutdown: Shutdown::Timeout(Duration::from_secs(5)),
        instance_type: ChildType::Worker,
        partitions: Partitions::Fixed(2),
        // Resolved from the supervisor's default.
        backoff: Some(Backoff::NONE),
        heartbeat: None,
        start_timeout: None,
    };
    let conns = tree.child_spec("conns".into()).await.unwrap();
    assert_eq!(
        (conns.child_type, conns.shutdown, conns.kind),
        (
            ChildType::Supervisor,
            Shutdown::Infinity,
            SpecKind::Pool(template)
        )
    );
    let pool = tree
        .pool(PoolKey::<ChildRef, Holds>::new("conns".into()))
        .await
        .unwrap();
    assert_eq!(pool.settings(), template);
    assert!(tree.child_spec("nope".into()).await.is_err());
    tree.shutdown().await.unwrap();
}
