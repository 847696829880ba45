//! A live snapshot of a running tree after failures: its structure and state, its journal,
//! its JSON read back equal, and its Mermaid and DOT drawings.

use std::time::Duration;

use supervisor::{
    ChildRef, ChildSpec, EventKind, FailureKind, Node, Phase, PoolKey, PoolSpec, Snapshot,
    Strategy, SupervisorSpec,
};
use supervisor_tests::*;

async fn failed_tree(log: &Log) -> (supervisor::Tree, Snapshot) {
    let mut spec = SupervisorSpec::new("app")
        .intensity(5, Duration::from_secs(60))
        .journal(64)
        .child(ChildSpec::from_value(
            "db",
            Scripted::<false>::new(&Script::new([Step::Fail, Step::Fail]), log),
        ))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .strategy(Strategy::RestForOne)
                .child(ChildSpec::from_value(
                    "acceptor",
                    Scripted::<false>::new(&Script::default(), log),
                )),
        ))
        .child(ChildSpec::pool(
            PoolSpec::<Scripted>::workers("conns").max_children(10),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    until(&mut events, |e| {
        e.path == "app/db" && matches!(e.kind, EventKind::Ready { generation: 2 })
    })
    .await;
    let pool = tree
        .pool(PoolKey::<ChildRef, Scripted>::new("conns".into()))
        .await
        .unwrap();
    pool.start(Scripted::new(&Script::default(), log))
        .await
        .unwrap();
    pool.start(Scripted::new(&Script::default(), log))
        .await
        .unwrap();
    let snapshot = tree.snapshot().await.unwrap();
    (tree, snapshot)
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_holds_every_child_its_state_and_the_recent_events() {
    let log = Log::default();
    let (tree, snapshot) = failed_tree(&log).await;
    let root = &snapshot.root;
    assert_eq!(root.path, "app");
    assert_eq!(root.restarts_in_period, 2);
    let names: Vec<String> = root
        .children
        .iter()
        .map(|c| c.info.path.to_string())
        .collect();
    assert_eq!(names, ["app/db", "app/web", "app/conns"]);

    let db = &root.children[0];
    assert_eq!(db.node, Node::Worker);
    assert_eq!(
        (db.info.phase, db.info.starts, db.info.restart_count),
        (Phase::Running, 3, 2)
    );
    let failure = &db.info.last_failure.as_ref().unwrap().failure;
    assert_eq!(failure.kind(), FailureKind::Error);

    let Node::Supervisor(web) = &root.children[1].node else {
        panic!("web is not a running supervisor")
    };
    assert_eq!(web.strategy, Strategy::RestForOne);
    assert_eq!(web.children[0].info.path, "app/web/acceptor");

    let Node::Pool(conns) = &root.children[2].node else {
        panic!("conns is not a running pool")
    };
    assert_eq!(conns.settings.max_children, Some(10));
    let instances: Vec<String> = conns
        .instances
        .iter()
        .map(|i| i.child.path.to_string())
        .collect();
    assert_eq!(instances, ["app/conns/0", "app/conns/1"]);

    // The journal: what happened just before, in order, without a subscriber of its own.
    let journal = briefs(&snapshot.journal, &["exited", "restart"]);
    assert_eq!(
        journal,
        [
            "exited app/db failed",
            "restart app/db [app/db]",
            "exited app/db failed",
            "restart app/db [app/db]",
        ]
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_reads_back_from_json_equal_and_draws_as_mermaid_and_dot() {
    let log = Log::default();
    let (tree, snapshot) = failed_tree(&log).await;

    let json = serde_json::to_string(&snapshot).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snapshot);
    assert!(json.contains("\"path\":\"app/web/acceptor\""), "{json}");

    let mermaid = snapshot.to_mermaid();
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
    let lines: Vec<&str> = mermaid.lines().collect();
    assert!(lines.contains(&r#"    n1["db<br/>worker: running<br/>restarted 2x<br/>last failure: app/db failed"]:::failed"#), "{mermaid}");
    assert!(lines.contains(&"    n0 --> n1"), "{mermaid}");
    assert!(
        lines.contains(&"    n2 --> n3"),
        "web's acceptor hangs under web: {mermaid}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("conns<br/>pool, 2/10 instances: running")),
        "{mermaid}"
    );

    let dot = snapshot.to_dot();
    assert!(dot.starts_with("digraph tree {"), "{dot}");
    assert!(
        dot.contains("n0 -> n1;") && dot.contains("class=\"failed\""),
        "{dot}"
    );
    tree.shutdown().await.unwrap();
}
