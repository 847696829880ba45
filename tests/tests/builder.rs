//! The builder a declared tree generates: subscribing before the tree starts, and a built spec
//! that keeps the tree's typed keys (issue 15).

use std::time::Duration;

use supervisor::{EventKind, SupervisorSpec, Tree, supervision_tree};
use supervisor_tests::{Log, Script, Scripted, brief, until};

/// Every event of `events` up to the tree's end, briefly.
async fn to_the_end(events: &mut supervisor::EventStream) -> Vec<String> {
    until(events, |e| matches!(e.kind, EventKind::TreeEnded { .. }))
        .await
        .iter()
        .map(brief)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_builder_subscribes_before_the_tree_starts_and_misses_nothing() {
    let log = Log::default();
    supervision_tree! {
        let app = supervisor App {
            worker a: Scripted = Scripted::new(&Script::default(), &log);
            supervisor web: Web {
                worker b: Scripted;
            }
        };
    }
    // Before any child is supplied, and after: both streams see the same whole tree.
    let mut first = app.subscribe();
    let mut app = app.web_b(Scripted::new(&Script::default(), &log));
    let mut second = app.subscribe();
    let tree = app.start().await.unwrap();
    tree.shutdown().await.unwrap();

    let seen = to_the_end(&mut first).await;
    let starts: Vec<&String> = seen.iter().filter(|e| e.starts_with("started")).collect();
    assert_eq!(
        starts,
        [
            "started app",
            "started app/a",
            "started app/web",
            "started app/web/b"
        ],
        "the very first events: {seen:?}"
    );
    assert_eq!(seen.last().unwrap(), "tree_ended app shutdown");
    assert_eq!(to_the_end(&mut second).await, seen);
}

#[tokio::test(start_paused = true)]
async fn a_built_spec_starts_a_tree_named_by_the_child_enum() {
    let log = Log::default();
    supervision_tree! {
        let app = supervisor App {
            worker a: Scripted = Scripted::new(&Script::default(), &log);
            supervisor web: Web {
                worker b: Scripted = Scripted::new(&Script::default(), &log);
            }
        };
    }
    let mut spec = app.build();
    // It reads as the spec it holds, and sets what the declaration does not.
    assert_eq!(spec.name(), App::NAME);
    assert_eq!(spec.child_specs().len(), 2);
    let mut events = spec.subscribe();
    let spec = spec.map_spec(|spec| spec.journal(16));
    let tree: Tree<AppChild> = spec.start().await.unwrap();
    tree.terminate_child(AppChild::Web(WebChild::B))
        .await
        .unwrap();
    let snapshot = tree.snapshot().await.unwrap();
    assert!(!snapshot.journal.is_empty(), "the journal set by map_spec");
    tree.shutdown().await.unwrap();
    let seen = to_the_end(&mut events).await;
    assert!(
        seen.contains(&"exited app/web/b shutdown".to_owned()),
        "{seen:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_built_spec_is_still_the_plain_spec_for_a_tree_named_by_paths() {
    supervision_tree! {
        let app = supervisor App {
            worker a: Scripted = Scripted::new(&Script::default(), &Log::default());
        };
    }
    let spec: SupervisorSpec = app.build().into();
    let tree = spec.start().await.unwrap();
    tree.terminate_child("a".into()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    tree.shutdown().await.unwrap();
}
