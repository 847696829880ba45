//! Start: children start one after another in declaration order, each init finishing before the
//! next begins; a failed init stops the started siblings in reverse order and names the child's
//! full path; an init failure during a restart is retried and counts toward intensity.

use std::sync::Arc;
use std::time::Duration;

use supervisor::{
    ChildSpec, EventKind, FailureKind, Shutdown, StartError, SupervisorSpec, TreeError,
};
use supervisor_tests::{Log, PanicsWhenDropped, Script, Scripted, Step, brief, briefs, drain};
use tokio::sync::Notify;

#[tokio::test(start_paused = true)]
async fn each_init_finishes_before_the_next_sibling_starts() {
    let log = Log::default();
    let gate = Arc::new(Notify::new());
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "a",
            Scripted::<true>::new(&Script::new([Step::GatedInit(gate.clone())]), &log),
        ))
        .child(ChildSpec::from_value(
            "b",
            Scripted::<true>::new(&Script::default(), &log),
        ));
    let mut events = spec.subscribe();
    let starting = tokio::spawn(spec.start());
    // Give the tree every chance to run ahead: plenty of (paused) time and scheduler turns.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(log.entries(), ["init app/a 0"]);
    assert!(!starting.is_finished());
    gate.notify_one();
    let tree = starting.await.unwrap().unwrap();
    let order = briefs(&drain(&mut events), &["started", "ready"]);
    assert_eq!(
        order,
        [
            "started app",
            "started app/a",
            "ready app/a",
            "started app/b",
            "ready app/b",
            "ready app"
        ]
    );
    // Once `a` is ready, its run phase and `b`'s start go on concurrently, in no set order.
    assert_eq!(log.entries()[0], "init app/a 0");
    assert!(log.entries().contains(&"init app/b 0".to_owned()));
    tree.shutdown().await.unwrap();
    assert!(log.entries().contains(&"run app/a 0".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_failed_init_stops_started_siblings_in_reverse_order_and_names_the_child() {
    let log = Log::default();
    let w = |script: Script| Scripted::<true>::new(&script, &log);
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value("a", w(Script::default())))
        .child(ChildSpec::from_value("b", w(Script::default())))
        .child(ChildSpec::from_value("c", w(Script::new([Step::FailInit]))))
        .child(ChildSpec::from_value("d", w(Script::default())));
    let mut events = spec.subscribe();
    let error = spec.start().await.expect_err("start must fail");
    let StartError::ChildFailed { path, failure } = &error else {
        panic!("unexpected {error:?}")
    };
    assert_eq!(path, "app/c");
    assert_eq!(failure.message(), "init of app/c failed");
    assert_eq!(
        error.to_string(),
        "child `app/c` failed to start: init of app/c failed"
    );
    let seen = briefs(
        &drain(&mut events),
        &["start_failed", "exited", "started app/d"],
    );
    assert_eq!(
        seen,
        [
            "start_failed app/c",
            "exited app/b shutdown",
            "exited app/a shutdown"
        ]
    );
    assert_eq!(log.with_prefix("stop"), ["stop app/b", "stop app/a"]);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_init_is_a_failed_start_with_the_panic_message() {
    let log = Log::default();
    let spec = SupervisorSpec::new("app").child(ChildSpec::from_value(
        "a",
        Scripted::<true>::new(&Script::new([Step::PanicInit]), &log),
    ));
    let Err(StartError::ChildFailed { path, failure }) = spec.start().await else {
        panic!("start must fail")
    };
    assert_eq!(path, "app/a");
    assert_eq!(failure.kind(), FailureKind::Panic);
    assert_eq!(failure.message(), "init of app/a panicked");
}

#[tokio::test(start_paused = true)]
async fn a_panicking_factory_is_a_failed_start_of_its_child_not_a_crash_of_the_supervisor() {
    // OTP calls a child's start function under `catch`: an exception is a failed start.
    for has_init in [false, true] {
        let log = Log::default();
        let script = Script::default();
        let child = if has_init {
            ChildSpec::worker("a", move || -> Scripted<true> { panic!("no worker today") })
        } else {
            ChildSpec::worker("a", move || -> Scripted<false> {
                panic!("no worker today")
            })
        };
        let mut spec = SupervisorSpec::new("app")
            .child(ChildSpec::from_value(
                "before",
                Scripted::<false>::new(&script, &log),
            ))
            .child(child);
        let mut events = spec.subscribe();
        let Err(StartError::ChildFailed { path, failure }) = spec.start().await else {
            panic!("start must fail")
        };
        assert_eq!(path, "app/a", "has_init: {has_init}");
        assert_eq!(failure.kind(), FailureKind::Panic);
        assert_eq!(failure.message(), "no worker today");
        // No worker, so no start of one: only the failed start is reported.
        let seen = briefs(
            &drain(&mut events),
            &["started app/a", "start_failed app/a"],
        );
        assert_eq!(seen, ["start_failed app/a"], "has_init: {has_init}");
        // The child started before it was stopped again, as for any failed start.
        assert_eq!(log.entries(), ["run app/before 0", "stop app/before"]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_init_deep_in_the_tree_names_its_full_path() {
    let log = Log::default();
    let w = |script: Script| Scripted::<true>::new(&script, &log);
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value("db", w(Script::default())))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .child(ChildSpec::from_value("cache", w(Script::default())))
                .child(ChildSpec::supervisor(SupervisorSpec::new("http").child(
                    ChildSpec::from_value("acceptor", w(Script::new([Step::FailInit]))),
                ))),
        ));
    let mut events = spec.subscribe();
    let Err(StartError::ChildFailed { path, .. }) = spec.start().await else {
        panic!("start must fail")
    };
    assert_eq!(path, "app/web/http/acceptor");
    let seen = briefs(&drain(&mut events), &["exited"]);
    assert_eq!(
        seen,
        ["exited app/web/cache shutdown", "exited app/db shutdown"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_init_failure_during_a_restart_is_retried_and_counts_toward_intensity() {
    let log = Log::default();
    // a runs, fails; its restart fails in init twice, then succeeds.
    let script = Script::new([Step::Fail, Step::FailInit, Step::FailInit]);
    let mut spec = SupervisorSpec::new("app")
        .intensity(3, Duration::from_secs(60))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<true>::new(&script, &log),
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let seen = supervisor_tests::until(&mut events, |e| brief(e) == "ready app/a").await;
    // The first `ready` is the initial start; wait for the one after the retries.
    let mut seen = seen;
    seen.extend(supervisor_tests::until(&mut events, |e| brief(e) == "ready app/a").await);
    let order = briefs(&seen, &["restart", "start_failed", "ready", "exited"]);
    assert_eq!(
        order,
        [
            "ready app/a",
            "ready app",
            "exited app/a failed",
            "restart app/a [app/a]",
            "start_failed app/a",
            "restart app/a [app/a]",
            "start_failed app/a",
            "restart app/a [app/a]",
            "ready app/a",
        ]
    );
    let info = tree.child("a".into()).await.unwrap();
    assert_eq!(info.restart_count, 3);
    assert_eq!(info.phase, supervisor::Phase::Running);
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_init_that_keeps_failing_on_restart_ends_in_escalation() {
    let log = Log::default();
    let script =
        Script::new(std::iter::once(Step::Fail).chain(std::iter::repeat_n(Step::FailInit, 10)));
    let spec = SupervisorSpec::new("app")
        .intensity(3, Duration::from_secs(60))
        .child(ChildSpec::from_value(
            "a",
            Scripted::<true>::new(&script, &log),
        ));
    let tree = spec.start().await.unwrap();
    let Err(TreeError::Failed { failure, .. }) = tree.join().await else {
        panic!("the root must fail")
    };
    assert_eq!(failure.kind(), FailureKind::IntensityExceeded);
    // The first start, then three counted restart attempts, each failing in init.
    assert_eq!(log.with_prefix("init").len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_factory_that_panics_on_restart_is_retried_and_ends_in_escalation() {
    let log = Log::default();
    // The first worker fails at once; every later call of the factory panics.
    let script = Script::new([Step::Fail]);
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let factory = {
        let (calls, log) = (calls.clone(), log.clone());
        move || {
            if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                panic!("no worker today");
            }
            Scripted::<false>::new(&script, &log)
        }
    };
    let mut spec = SupervisorSpec::new("app")
        .intensity(3, Duration::from_secs(60))
        .child(ChildSpec::worker("a", factory));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let Err(TreeError::Failed { failure, .. }) = tree.join().await else {
        panic!("the root must fail")
    };
    assert_eq!(failure.kind(), FailureKind::IntensityExceeded);
    // The first start, then three counted restart attempts, each a failed start.
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 4);
    let failed = briefs(&drain(&mut events), &["start_failed"]);
    assert_eq!(failed, ["start_failed app/a"; 3]);
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_during_an_init_stops_the_child_within_its_shutdown_timeout() {
    let log = Log::default();
    // a runs and fails; its restart waits in init on a gate that never opens, deaf to the
    // request to stop.
    let never = Arc::new(Notify::new());
    let script = Script::new([Step::Fail, Step::GatedInit(never)]);
    let mut spec = SupervisorSpec::new("app").child(
        ChildSpec::from_value("a", Scripted::<true>::new(&script, &log))
            .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
    );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    supervisor_tests::until(&mut events, |e| {
        matches!(e.kind, EventKind::Started { generation: 1 }) && e.path == "app/a"
    })
    .await;
    let asked = tokio::time::Instant::now();
    tree.shutdown().await.unwrap();
    // The init had its whole shutdown timeout, then it was killed.
    assert_eq!(asked.elapsed(), Duration::from_secs(2));
    let seen = briefs(&drain(&mut events), &["exited app/a", "ready app/a"]);
    assert_eq!(seen, ["exited app/a killed"]);
    assert_eq!(log.with_prefix("init"), ["init app/a 0", "init app/a 1"]);
    assert_eq!(log.with_prefix("run"), ["run app/a 0"]);
}

/// A worker with an init phase that fails, whose `Drop` then panics.
struct FailsInitThenPanicsOnDrop(PanicsWhenDropped);

impl supervisor::Worker for FailsInitThenPanicsOnDrop {
    const HAS_INIT: bool = true;

    async fn init(&mut self, _ctx: &supervisor::Context) -> supervisor::WorkerResult {
        Err("init failed".into())
    }

    async fn run(&mut self, _ctx: &supervisor::Context) -> supervisor::WorkerResult {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_drop_of_a_worker_after_a_failed_init_is_its_failed_start() {
    // The init phase runs in the supervisor's task: the panic must not take it down.
    let log = Log::default();
    let spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "before",
            Scripted::<false>::new(&Script::default(), &log),
        ))
        .child(ChildSpec::worker("w", || {
            FailsInitThenPanicsOnDrop(PanicsWhenDropped)
        }));
    let Err(StartError::ChildFailed { path, failure }) = spec.start().await else {
        panic!("start must fail")
    };
    assert_eq!(path, "app/w");
    // Both are reported: the init's error is the reason, the panic of the drop is told with it.
    assert_eq!(failure.kind(), FailureKind::Error);
    assert_eq!(
        failure.message(),
        "init failed; then dropping the worker panicked: dropping the worker panicked"
    );
    // The sibling started before it was stopped again, as for any failed start.
    assert_eq!(log.entries(), ["run app/before 0", "stop app/before"]);
}

/// Says it is ready once its gate opens; fails instead if told to.
#[derive(Clone)]
struct ReadyLater {
    gate: std::sync::Arc<tokio::sync::Notify>,
    fail_first: bool,
}

impl supervisor::Worker for ReadyLater {
    const SIGNALS_READY: bool = true;

    async fn run(&mut self, ctx: &supervisor::Context) -> supervisor::WorkerResult {
        self.gate.notified().await;
        if self.fail_first {
            return Err("could not get ready".into());
        }
        ctx.ready();
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_worker_that_signals_ready_holds_the_next_siblings_start_until_it_is() {
    let log = Log::default();
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "db",
            ReadyLater {
                gate: gate.clone(),
                fail_first: false,
            },
        ))
        .child(ChildSpec::from_value(
            "web",
            Scripted::<false>::new(&Script::default(), &log),
        ));
    let mut events = spec.subscribe();
    let starting = tokio::spawn(spec.start());
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(!starting.is_finished());
    assert!(log.entries().is_empty(), "web started before db was ready");
    gate.notify_one();
    let tree = starting.await.unwrap().unwrap();
    let seen = briefs(&drain(&mut events), &["started", "ready"]);
    assert_eq!(
        seen,
        [
            "started app",
            "started app/db",
            "ready app/db",
            "started app/web",
            "ready app/web",
            "ready app"
        ]
    );
    tree.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_run_that_ends_before_it_is_ready_is_a_failed_start() {
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    gate.notify_one();
    let result = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "db",
            ReadyLater {
                gate,
                fail_first: true,
            },
        ))
        .start()
        .await;
    match result {
        Err(StartError::ChildFailed { path, failure }) => {
            assert_eq!(path, "app/db");
            assert!(
                failure.to_string().contains("could not get ready"),
                "{failure}"
            );
        }
        Err(other) => panic!("expected ChildFailed, got {other}"),
        Ok(_) => panic!("started"),
    }
}

/// An error whose `Display` panics.
#[derive(Debug)]
struct UnprintableError;

impl std::fmt::Display for UnprintableError {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("the error cannot be printed")
    }
}

impl std::error::Error for UnprintableError {}

/// Fails its init with an [`UnprintableError`].
struct FailsInitUnprintably;

impl supervisor::Worker for FailsInitUnprintably {
    const HAS_INIT: bool = true;

    async fn init(&mut self, _ctx: &supervisor::Context) -> supervisor::WorkerResult {
        Err(UnprintableError.into())
    }

    async fn run(&mut self, _ctx: &supervisor::Context) -> supervisor::WorkerResult {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn an_error_whose_display_panics_is_still_the_childs_failed_start() {
    // The supervisor prints the error (into the start error's message): the panic must not
    // take it down, nor hide which child failed.
    let log = Log::default();
    let spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value(
            "before",
            Scripted::<false>::new(&Script::default(), &log),
        ))
        .child(ChildSpec::worker("w", || FailsInitUnprintably));
    let Err(StartError::ChildFailed { path, failure }) = spec.start().await else {
        panic!("start must fail")
    };
    assert_eq!(path, "app/w");
    assert_eq!(failure.kind(), FailureKind::Error);
    assert_eq!(
        failure.message(),
        "(the error's Display panicked: the error cannot be printed)"
    );
    assert_eq!(log.entries(), ["run app/before 0", "stop app/before"]);
}

/// An `async fn` worker whose run says when it is ready, through `#[worker(signals_ready)]`.
#[supervisor::worker(signals_ready = true)]
async fn connects(ctx: &supervisor::Context, gate: Arc<Notify>) -> supervisor::WorkerResult {
    gate.notified().await;
    ctx.ready();
    ctx.shutdown_requested().await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn an_async_fn_worker_that_signals_ready_orders_its_siblings_start() {
    let log = Log::default();
    let gate = Arc::new(Notify::new());
    let spec = SupervisorSpec::new("app")
        .child(ChildSpec::from_value("db", Connects::new(gate.clone())))
        .child(ChildSpec::from_value(
            "web",
            Scripted::<false>::new(&Script::default(), &log),
        ));
    let starting = tokio::spawn(spec.start());
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        log.entries().is_empty(),
        "web started before db said it was ready"
    );
    gate.notify_one();
    let tree = starting.await.unwrap().unwrap();
    assert_eq!(log.with_prefix("run "), ["run app/web 0"]);
    tree.shutdown().await.unwrap();
}
