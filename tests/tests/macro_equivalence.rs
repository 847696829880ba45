//! A tree declared with `supervision_tree!` behaves exactly like the same tree built by hand
//! with the builder API: the same events in the same order under the same failures.

use std::time::Duration;

use supervisor::{
    ChildKey, ChildRef, ChildSpec, Context, EventKind, Partitions, PoolKey, PoolSpec, Restart,
    Shutdown, Strategy, SupervisorSpec, Tree, Worker, WorkerResult, supervision_tree,
};
use supervisor_tests::{Log, Script, Scripted, Step, brief, drain, until};

/// The failures both trees go through: `b` fails twice, then `web/d` fails once.
struct Scripts {
    a: Script,
    b: Script,
    c: Script,
    d: Script,
}

fn scripts(d_steps: Vec<Step>) -> Scripts {
    Scripts {
        a: Script::default(),
        b: Script::new([
            Step::FailAfter(Duration::from_secs(1)),
            Step::FailAfter(Duration::from_secs(1)),
        ]),
        c: Script::default(),
        d: Script::new(d_steps),
    }
}

fn by_hand(s: &Scripts, log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .strategy(Strategy::RestForOne)
        .intensity(3, Duration::from_secs(60))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&s.a, log),
        ))
        .child(
            ChildSpec::from_value("b", Scripted::<true>::new(&s.b, log)).shutdown(Shutdown::Brutal),
        )
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .strategy(Strategy::OneForAll)
                .intensity(1, Duration::from_secs(60))
                .child(ChildSpec::from_value(
                    "c",
                    Scripted::<false>::new(&s.c, log),
                ))
                .child(
                    ChildSpec::from_value("d", Scripted::<false>::new(&s.d, log))
                        .restart(Restart::Transient)
                        .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
                ),
        ))
}

fn declared(s: &Scripts, log: &Log) -> SupervisorSpec {
    supervision_tree! {
        let app = supervisor App {
            strategy: rest_for_one,
            intensity: 3 within 60s,
            worker a: Scripted<false> = Scripted::new(&s.a, log);
            worker b: Scripted<true> = Scripted::new(&s.b, log), shutdown: brutal;
            supervisor web: Web {
                strategy: one_for_all,
                intensity: 1 within 60s,
                worker c: Scripted<false>;
                worker d: Scripted<false> = Scripted::new(&s.d, log), restart: transient, shutdown: 1s;
            }
        };
    }
    // The open child is supplied through the builder; the typed spec gives its plain spec.
    app.web_c(Scripted::new(&s.c, log)).build().into_spec()
}

/// Runs `spec` until the tree has ended (by shutdown after 10 s, or by failing) and returns its
/// events, briefly.
async fn run(mut spec: SupervisorSpec) -> (Vec<String>, bool) {
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let handle = tree.handle();
    let ending = tokio::spawn(tree.join());
    tokio::time::sleep(Duration::from_secs(10)).await;
    handle.request_shutdown();
    let failed = ending.await.unwrap().is_err();
    (drain(&mut events).iter().map(brief).collect(), failed)
}

#[tokio::test(start_paused = true)]
async fn same_events_in_the_same_order_as_the_hand_built_tree() {
    // d's first two runs are stopped by b's restarts (rest_for_one restarts web too); the third
    // fails by itself.
    let d_fails_once = || {
        vec![
            Step::Idle,
            Step::Idle,
            Step::FailAfter(Duration::from_secs(3)),
        ]
    };
    let (log1, log2) = (Log::default(), Log::default());
    let (by_hand_events, by_hand_failed) = run(by_hand(&scripts(d_fails_once()), &log1)).await;
    let (declared_events, declared_failed) = run(declared(&scripts(d_fails_once()), &log2)).await;
    assert_eq!(declared_events, by_hand_events);
    assert!(!declared_failed && !by_hand_failed);
    assert_eq!(log1.entries(), log2.entries());
    // The scenario did what it says: b restarted with the rest, d's failure restarted web's
    // children together.
    assert!(declared_events.contains(&"restart app/b [app/b, app/web]".to_owned()));
    assert!(declared_events.contains(&"restart app/web/d [app/web/c, app/web/d]".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn same_escalation_as_the_hand_built_tree() {
    // d keeps failing: web gives up, then app restarts web until app gives up too.
    let d_keeps_failing = || vec![Step::FailAfter(Duration::from_millis(10)); 50];
    let (log1, log2) = (Log::default(), Log::default());
    let (by_hand_events, by_hand_failed) = run(by_hand(&scripts(d_keeps_failing()), &log1)).await;
    let (declared_events, declared_failed) =
        run(declared(&scripts(d_keeps_failing()), &log2)).await;
    assert_eq!(declared_events, by_hand_events);
    assert!(declared_failed && by_hand_failed);
    assert!(declared_events.contains(&"intensity app".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn typed_keys_name_the_same_children_as_paths() {
    supervision_tree! {
        let app = supervisor App {
            strategy: one_for_all,
            worker a: Scripted<false> = Scripted::new(&Script::default(), &Log::default());
            supervisor web: Web {
                worker c: Scripted<false> = Scripted::new(&Script::default(), &Log::default());
            }
        };
    }
    assert_eq!(AppChild::Web(WebChild::C).to_ref(), ChildRef::from("web/c"));
    assert_eq!(
        AppChild::Web(WebChild::Itself).to_ref(),
        ChildRef::from("web")
    );
    assert_eq!(
        AppChild::from_segments(&["web", "c"]),
        Some(AppChild::Web(WebChild::C))
    );
    assert_eq!(AppChild::from_segments(&["web", "nope"]), None);

    let mut spec = app.build();
    let mut events = spec.subscribe();
    let tree: Tree<AppChild> = spec.start().await.unwrap();
    tree.terminate_child(AppChild::Web(WebChild::C))
        .await
        .unwrap();
    let seen = until(&mut events, |e| matches!(e.kind, EventKind::Exited { .. })).await;
    assert_eq!(
        seen.last().unwrap().child::<AppChild>(),
        Some(AppChild::Web(WebChild::C))
    );
    let info = tree.child(AppChild::Web(WebChild::C)).await.unwrap();
    assert_eq!(info.child::<AppChild>(), Some(AppChild::Web(WebChild::C)));
    tree.restart_child(AppChild::Web(WebChild::C))
        .await
        .unwrap();
    assert_eq!(
        tree.which_children_of(AppChild::Web(WebChild::Itself))
            .await
            .unwrap()
            .len(),
        1
    );
    tree.shutdown().await.unwrap();
}

/// A tree with pools, built by hand: `conns` with every option set, `web/sessions` with none
/// but its partitions.
fn pools_by_hand(log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .strategy(Strategy::RestForOne)
        .child(ChildSpec::from_value(
            "a",
            Scripted::<false>::new(&Script::default(), log),
        ))
        .child(ChildSpec::pool(
            PoolSpec::<Scripted>::workers("conns")
                .max_children(3)
                .intensity(4, Duration::from_secs(5))
                .restart(Restart::Transient)
                .shutdown(Shutdown::Timeout(Duration::from_secs(2)))
                .partitions(Partitions::Fixed(2)),
        ))
        .child(ChildSpec::supervisor(SupervisorSpec::new("web").child(
            ChildSpec::pool(
                PoolSpec::<Scripted<true>>::workers("sessions").partitions(Partitions::PerThread),
            ),
        )))
}

/// Starts an instance in each pool of `tree` through the keys given, and returns what the
/// tree and its pools then say about themselves.
async fn pools_report<K: ChildKey + Clone>(
    tree: &Tree<K>,
    conns: PoolKey<K, Scripted>,
    sessions: PoolKey<K, Scripted<true>>,
    web: K,
    log: &Log,
) -> Vec<String> {
    let conns_pool = tree.pool(conns).await.unwrap();
    let sessions_pool = tree.pool(sessions).await.unwrap();
    let script = Script::default();
    let first = conns_pool.start(Scripted::new(&script, log)).await.unwrap();
    let second = conns_pool.start(Scripted::new(&script, log)).await.unwrap();
    let session = sessions_pool
        .start(Scripted::new(&script, log))
        .await
        .unwrap();
    let mut report = vec![
        format!("{:?}", tree.which_children().await.unwrap()),
        format!("{:?}", tree.count_children().await.unwrap()),
        format!("{:?}", tree.which_children_of(web.clone()).await.unwrap()),
        format!("{:?}", tree.count_children_of(web).await.unwrap()),
        format!("{:?}", conns_pool.settings()),
        format!("{:?}", sessions_pool.settings()),
        format!("{:?}", conns_pool.count().await.unwrap()),
        format!("{:?}", sessions_pool.count().await.unwrap()),
    ];
    for id in [first, second] {
        report.push(format!("{:?}", conns_pool.info(id).await.unwrap().child));
    }
    report.push(format!(
        "{:?}",
        sessions_pool.info(session).await.unwrap().child
    ));
    report
}

#[tokio::test(start_paused = true)]
async fn a_declared_pool_is_the_hand_built_pool() {
    let (log1, log2) = (Log::default(), Log::default());
    supervision_tree! {
        let app = supervisor App {
            strategy: rest_for_one,
            worker a: Scripted<false> = Scripted::new(&Script::default(), &log2);
            pool conns: Scripted, max_children: 3, intensity: 4 within 5s, restart: transient,
                shutdown: 2s, partitions: 2, depends_on: [a];
            supervisor web: Web {
                pool sessions: Scripted<true>, partitions: per_thread;
            }
        };
    }

    let by_hand = pools_by_hand(&log1).start().await.unwrap();
    let declared = app.start().await.unwrap();
    let by_hand_report = pools_report(
        &by_hand,
        PoolKey::new("conns".into()),
        PoolKey::new("web/sessions".into()),
        ChildRef::from("web"),
        &log1,
    )
    .await;
    let declared_report = pools_report(
        &declared,
        App::CONNS,
        Web::SESSIONS,
        AppChild::Web(WebChild::Itself),
        &log2,
    )
    .await;
    assert_eq!(declared_report, by_hand_report);
    assert_eq!(log1.entries(), log2.entries());
    // The pools are what they were declared to be, and their instances started.
    assert!(declared_report[4].contains("max_children: Some(3)"));
    assert!(declared_report[4].contains("partitions: Fixed(2)"));
    assert!(declared_report[5].contains("partitions: PerThread"));
    assert_eq!(
        log2.with_prefix("init app/web/sessions").len(),
        1,
        "{:?}",
        log2.entries()
    );
    assert_eq!(
        declared.child_spec(AppChild::Conns).await.unwrap(),
        by_hand.child_spec("conns".into()).await.unwrap()
    );
    assert_eq!(App::CONNS.key(), &AppChild::Conns);
    assert_eq!(
        Web::SESSIONS.key(),
        &AppChild::Web(WebChild::Sessions),
        "a nested pool's key names it from the root"
    );
    by_hand.shutdown().await.unwrap();
    declared.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_worker_of_the_tree_starts_instances_through_the_key() {
    /// Starts an instance of the pool `App::CONNS` from inside the tree, then idles.
    #[derive(Clone)]
    struct Starter(Log);

    supervision_tree! {
        let app = supervisor App {
            pool conns: Scripted;
            worker starter: Starter;
        };
    }
    impl Worker for Starter {
        async fn run(&mut self, ctx: &Context) -> WorkerResult {
            let conns = ctx.pool(App::CONNS).await?;
            conns
                .start(Scripted::new(&Script::default(), &self.0))
                .await?;
            ctx.shutdown_requested().await;
            Ok(())
        }
    }
    let log = Log::default();
    let tree = app.starter(Starter(log.clone())).start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(log.entries(), ["run app/conns/0 0"]);
    assert_eq!(
        tree.pool(App::CONNS)
            .await
            .unwrap()
            .count()
            .await
            .unwrap()
            .active,
        1
    );
    tree.shutdown().await.unwrap();
}
