//! A tree declared with `supervision_tree!` behaves exactly like the same tree built by hand
//! with the builder API: the same events in the same order under the same failures.

use std::time::Duration;

use supervisor::{
    ChildKey, ChildRef, ChildSpec, EventKind, Restart, Shutdown, Strategy, SupervisorSpec,
    supervision_tree,
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
    // The open child is supplied through the builder.
    app.web_c(Scripted::new(&s.c, log)).build()
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
    let tree = spec.start().await.unwrap().with_keys::<AppChild>();
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
