//! A tree declared with `backoff`, `significant`, `auto_shutdown`, `quarantine`, `heartbeat` and
//! `start_timeout` builds the same specs as the tree built by hand with the builder calls they
//! stand for: the same events, at the same (paused) times, under the same failures.

use std::time::Duration;

use supervisor::{
    AutoShutdown, Backoff, ChildSpec, Jitter, PoolSpec, Restart, SupervisorSpec, supervision_tree,
};
use supervisor_tests::{Idle, Log, Script, Scripted, Step, brief, drain};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// `a` keeps failing; `b` fails twice; `h` never beats its heartbeat.
struct Scripts {
    a: Script,
    b: Script,
    h: Script,
}

fn scripts() -> Scripts {
    Scripts {
        a: Script::new(vec![Step::FailAfter(Duration::from_millis(100)); 10]),
        b: Script::new([
            Step::FailAfter(Duration::from_millis(500)),
            Step::FailAfter(Duration::from_millis(500)),
        ]),
        h: Script::default(),
    }
}

fn by_hand(s: &Scripts, log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .intensity(10, secs(60))
        .backoff(Backoff::fixed(secs(1)))
        .child(
            ChildSpec::from_value("a", Scripted::<false>::new(&s.a, log))
                .backoff(
                    Backoff::exponential(secs(1), secs(4))
                        .jitter(Jitter::None)
                        .reset_after(secs(60)),
                )
                .quarantine(3, secs(60)),
        )
        .child(ChildSpec::from_value(
            "b",
            Scripted::<false>::new(&s.b, log),
        ))
        .child(
            ChildSpec::from_value("h", Scripted::<false>::new(&s.h, log))
                .restart(Restart::Temporary)
                .heartbeat(secs(5))
                .start_timeout(secs(10)),
        )
        .child(ChildSpec::pool::<Idle>(
            PoolSpec::workers("conns").max_children(4).backoff(
                Backoff::exponential(Duration::from_millis(100), secs(30)).jitter(Jitter::Full),
            ),
        ))
}

fn declared(s: &Scripts, log: &Log) -> SupervisorSpec {
    supervision_tree! {
        let app = supervisor App {
            intensity: 10 within 60s,
            backoff: fixed 1s,
            worker a: Scripted<false> = Scripted::new(&s.a, log),
                backoff: exponential 1s to 4s jitter none reset 1m, quarantine: 3 within 1m;
            worker b: Scripted<false> = Scripted::new(&s.b, log);
            worker h: Scripted<false> = Scripted::new(&s.h, log),
                restart: temporary, heartbeat: 5s, start_timeout: 10s;
            pool conns: Idle, max_children: 4, backoff: exponential 100ms to 30s jitter full;
        };
    }
    app.build().into_spec()
}

/// Each event, briefly, with its time from the first event.
async fn timeline(mut spec: SupervisorSpec, run_for: Duration) -> (Vec<String>, bool) {
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let handle = tree.handle();
    let ending = tokio::spawn(tree.join());
    let ended_by_itself = tokio::time::timeout(run_for, async {
        while !ending.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .is_ok();
    handle.request_shutdown();
    ending.await.unwrap().ok();
    let events = drain(&mut events);
    let start = events[0].at;
    let lines = events
        .iter()
        .map(|e| {
            // A delayed restart's `until` is an absolute instant: its delay says the same.
            let mut brief = brief(e);
            if let Some(at) = brief.find(", until: ") {
                let end = brief[at..].find("} }").map_or(brief.len(), |i| at + i + 2);
                brief.replace_range(at..end, "");
            }
            format!("{:>6}ms {brief}", (e.at - start).as_millis())
        })
        .collect();
    (lines, ended_by_itself)
}

#[tokio::test(start_paused = true)]
async fn backoff_quarantine_and_heartbeat_as_by_hand() {
    let (log1, log2) = (Log::default(), Log::default());
    let (by_hand, _) = timeline(by_hand(&scripts(), &log1), secs(20)).await;
    let (declared, _) = timeline(declared(&scripts(), &log2), secs(20)).await;
    assert_eq!(declared, by_hand);
    assert_eq!(log1.entries(), log2.entries());
    // The scenario did what it says.
    let has = |what: &str| declared.iter().any(|l| l.contains(what));
    assert!(has("Quarantined"), "{declared:#?}");
    assert!(has("Unresponsive"), "{declared:#?}");
    assert!(has("RestartDelayed"), "{declared:#?}");
}

fn significant_by_hand(job: &Script, log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ChildSpec::from_value("keep", Idle))
        .child(
            ChildSpec::supervisor(
                SupervisorSpec::new("jobs")
                    .auto_shutdown(AutoShutdown::AllSignificant)
                    .child(
                        ChildSpec::from_value("job", Scripted::<false>::new(job, log))
                            .restart(Restart::Transient)
                            .significant(true),
                    ),
            )
            .restart(Restart::Temporary)
            .significant(true),
        )
}

fn significant_declared(job: &Script, log: &Log) -> SupervisorSpec {
    supervision_tree! {
        let app = supervisor App {
            auto_shutdown: any_significant,
            worker keep: Idle = Idle;
            supervisor jobs: Jobs {
                auto_shutdown: all_significant,
                restart: temporary,
                significant,
                worker job: Scripted<false> = Scripted::new(job, log), restart: transient, significant;
            }
        };
    }
    app.build().into_spec()
}

#[tokio::test(start_paused = true)]
async fn a_significant_end_shuts_the_declared_tree_down() {
    let job = || Script::new([Step::FailAfter(secs(1)), Step::Exit]);
    let (log1, log2) = (Log::default(), Log::default());
    let (by_hand, by_hand_ended) = timeline(significant_by_hand(&job(), &log1), secs(20)).await;
    let (declared, declared_ended) = timeline(significant_declared(&job(), &log2), secs(20)).await;
    assert_eq!(declared, by_hand);
    assert!(by_hand_ended && declared_ended, "{declared:#?}");
}
