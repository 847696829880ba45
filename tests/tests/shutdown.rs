//! Shutdown: the whole tree in reverse start order, each child by its own shutdown (graceful with
//! a timeout, brutal, infinity), nested supervisors to any depth, and nothing left running after.

use std::time::Duration;

use supervisor::{ChildSpec, Shutdown, SupervisorSpec, Tree};
use supervisor_tests::{Log, Script, Scripted, Step, briefs, drain};

/// Shuts `tree` down; how long that took, in the test's paused time.
async fn timed_shutdown(tree: Tree) -> Duration {
    let began = tokio::time::Instant::now();
    tree.shutdown().await.unwrap();
    began.elapsed()
}

fn idle(name: &str, log: &Log) -> ChildSpec {
    ChildSpec::from_value(name, Scripted::<false>::new(&Script::default(), log))
}

/// A child whose one run does `step`, stopped with `shutdown`.
fn scripted(name: &str, step: Step, shutdown: Shutdown, log: &Log) -> ChildSpec {
    ChildSpec::from_value(name, Scripted::<false>::new(&Script::new([step]), log))
        .shutdown(shutdown)
}

/// app { a, web { b, http { c, d } }, e }: four levels counting the root.
fn deep_tree(log: &Log) -> SupervisorSpec {
    SupervisorSpec::new("app")
        .child(idle("a", log))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .child(idle("b", log))
                .child(ChildSpec::supervisor(
                    SupervisorSpec::new("http")
                        .child(idle("c", log))
                        .child(ChildSpec::supervisor(
                            SupervisorSpec::new("deep").child(idle("d", log)),
                        )),
                )),
        ))
        .child(idle("e", log))
}

#[tokio::test(start_paused = true)]
async fn the_whole_tree_stops_in_reverse_start_order() {
    let log = Log::default();
    let mut spec = deep_tree(&log);
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let started = briefs(&drain(&mut events), &["started"]);
    assert_eq!(
        started,
        [
            "started app",
            "started app/a",
            "started app/web",
            "started app/web/b",
            "started app/web/http",
            "started app/web/http/c",
            "started app/web/http/deep",
            "started app/web/http/deep/d",
            "started app/e",
        ]
    );
    tree.shutdown().await.unwrap();
    let stopped = briefs(&drain(&mut events), &["exited"]);
    assert_eq!(
        stopped,
        [
            "exited app/e shutdown",
            "exited app/web/http/deep/d shutdown",
            "exited app/web/http/deep shutdown",
            "exited app/web/http/c shutdown",
            "exited app/web/http shutdown",
            "exited app/web/b shutdown",
            "exited app/web shutdown",
            "exited app/a shutdown",
        ]
    );
    // Each worker saw the request, in the same order.
    assert_eq!(
        log.with_prefix("stop"),
        [
            "stop app/e",
            "stop app/web/http/deep/d",
            "stop app/web/http/c",
            "stop app/web/b",
            "stop app/a"
        ]
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn no_task_of_the_tree_is_left_after_shutdown() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let log = Log::default();
    // Children that restart, hang, and are killed, to leave as many tasks behind as possible.
    let spec = deep_tree(&log)
        .intensity(100, Duration::from_secs(1))
        .child(
            ChildSpec::from_value(
                "hangs",
                Scripted::<false>::new(&Script::new([Step::Hang]), &log),
            )
            .shutdown(Shutdown::Timeout(Duration::from_millis(50))),
        )
        .child(
            ChildSpec::from_value(
                "flaps",
                Scripted::<false>::new(
                    &Script::new(std::iter::repeat_n(
                        Step::FailAfter(Duration::from_millis(1)),
                        50,
                    )),
                    &log,
                ),
            )
            .shutdown(Shutdown::Brutal),
        );
    let tree = spec.start().await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(
        metrics.num_alive_tasks() > before + 8,
        "the tree is running"
    );
    tree.shutdown().await.unwrap();
    assert_eq!(metrics.num_alive_tasks(), before);
}

/// A nested supervisor killed after its shutdown timeout takes its children with it, as OTP's
/// children die with the supervisor they are linked to: none is left running, unsupervised.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_killed_supervisor_takes_its_children_with_it() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let log = Log::default();
    // `inner` waits without limit for `stubborn`, which ignores the request; `app` gives
    // `inner` 50 ms, then kills it.
    let mut spec = SupervisorSpec::new("app").child(
        ChildSpec::supervisor(
            SupervisorSpec::new("inner").child(
                ChildSpec::from_value(
                    "stubborn",
                    Scripted::<false>::new(&Script::new([Step::Hang]), &log),
                )
                .shutdown(Shutdown::Infinity),
            ),
        )
        .shutdown(Shutdown::Timeout(Duration::from_millis(50))),
    );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    assert_eq!(
        metrics.num_alive_tasks(),
        before + 3,
        "app, inner and stubborn run"
    );
    assert_eq!(timed_shutdown(tree).await, Duration::from_millis(50));
    assert_eq!(
        briefs(&drain(&mut events), &["exited"]),
        ["exited app/inner killed"]
    );
    // The kill is asynchronous in OTP too: `stubborn` is aborted, and gone once the runtime
    // has run its tasks (the paused clock only moves when none is left to run).
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(
        metrics.num_alive_tasks(),
        before,
        "no task of the tree is left"
    );
}

#[tokio::test(start_paused = true)]
async fn infinity_waits_for_as_long_as_the_child_takes() {
    let log = Log::default();
    let script = Script::new([Step::FailAfter(Duration::from_secs(600))]);
    let spec = SupervisorSpec::new("app").child(
        ChildSpec::from_value("slow", Scripted::<false>::new(&script, &log))
            .shutdown(Shutdown::Infinity),
    );
    let mut spec = spec;
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    // The worker ignores the request (it sleeps 600 s, then fails); infinity waits it out.
    assert_eq!(timed_shutdown(tree).await, Duration::from_secs(600));
    assert_eq!(
        briefs(&drain(&mut events), &["exited"]),
        ["exited app/slow failed"]
    );
}

#[tokio::test(start_paused = true)]
async fn dropping_the_tree_shuts_it_down() {
    let log = Log::default();
    let mut spec = deep_tree(&log);
    let mut events = spec.subscribe();
    let handle = {
        let tree = spec.start().await.unwrap();
        tree.handle()
    };
    // The tree was dropped: it shuts down in the background, last the first child, `a`.
    supervisor_tests::until(&mut events, |e| {
        supervisor_tests::brief(e) == "exited app/a shutdown"
    })
    .await;
    assert_eq!(log.with_prefix("stop").len(), 5);
    let error = handle.which_children().await.unwrap_err();
    assert_eq!(error.to_string(), "supervisor `app` is not running");
}

#[tokio::test(start_paused = true)]
async fn each_child_gets_its_full_timeout_from_the_moment_it_is_asked() {
    let log = Log::default();
    let child = |name: &str, step: Step, limit_ms: u64| {
        scripted(
            name,
            step,
            Shutdown::Timeout(Duration::from_millis(limit_ms)),
            &log,
        )
    };
    // Stopped d, c, b, a. d and b stop at once; c and a ignore the request and are killed, each
    // when its own limit has passed since it was asked: c at 300 ms, a at 300 + 100 ms. a's
    // deadline is nearer than b's, which was pending when a was asked. The supervisor times a
    // child from its first look at it (`stop.rs`), which may lengthen a limit by at most a
    // millisecond, never shorten it.
    let mut spec = SupervisorSpec::new("app")
        .child(child("a", Step::Hang, 100))
        .child(child("b", Step::Idle, 10_000))
        .child(child("c", Step::Hang, 300))
        .child(child("d", Step::Idle, 5_000));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let took = timed_shutdown(tree).await;
    assert!(
        (Duration::from_millis(400)..=Duration::from_millis(402)).contains(&took),
        "took {took:?}"
    );
    assert_eq!(
        briefs(&drain(&mut events), &["exited"]),
        [
            "exited app/d shutdown",
            "exited app/c killed",
            "exited app/b shutdown",
            "exited app/a killed",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_child_that_fails_before_its_turn_is_reported_at_its_turn_and_not_restarted() {
    let log = Log::default();
    let child = |name: &str, step: Step| {
        scripted(
            name,
            step,
            Shutdown::Timeout(Duration::from_millis(500)),
            &log,
        )
    };
    // Stopped c, b, a. c ignores the request and is killed at 500 ms; meanwhile, at 100 ms, a
    // fails by itself. As in OTP, the supervisor learns of it when a's turn comes (after b),
    // with a's own reason, and restarts nothing: it is shutting down.
    let mut spec = SupervisorSpec::new("app")
        .child(child("a", Step::FailAfter(Duration::from_millis(100))))
        .child(child("b", Step::Idle))
        .child(child("c", Step::Hang));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    assert_eq!(timed_shutdown(tree).await, Duration::from_millis(500));
    let events = drain(&mut events);
    assert_eq!(
        briefs(&events, &["exited", "restart"]),
        [
            "exited app/c killed",
            "exited app/b shutdown",
            "exited app/a failed",
        ]
    );
    assert_eq!(log.with_prefix("run").len(), 3, "nothing was started again");
}

/// A worker that waits for the stop request in three places at once: its own run (with a
/// future it polled before), and two tasks it spawned with clones of its context. Each wait
/// says on `waiting` once it is registered; the worker ends once all three have seen the
/// request.
#[derive(Clone)]
struct ManyWaiters {
    log: Log,
    waiting: tokio::sync::mpsc::UnboundedSender<()>,
}

/// Polls `wait` once (it must not be ready yet), then says so on `waiting`.
async fn register(
    wait: &mut (impl std::future::Future<Output = ()> + Unpin),
    waiting: &tokio::sync::mpsc::UnboundedSender<()>,
) {
    tokio::select! {
        biased;
        _ = wait => panic!("no stop was requested yet"),
        _ = std::future::ready(()) => {}
    }
    waiting.send(()).expect("the test listens");
}

impl supervisor::Worker for ManyWaiters {
    async fn run(&mut self, ctx: &supervisor::Context) -> supervisor::WorkerResult {
        let name = ctx.name().to_owned();
        // A wait given up (dropped at the end of this block) before the request: it must not
        // keep later waiters from waking.
        {
            let mut given_up = std::pin::pin!(ctx.shutdown_requested());
            tokio::select! {
                biased;
                _ = &mut given_up => panic!("no stop was requested yet"),
                _ = std::future::ready(()) => {}
            }
        }
        // The run's own wait is registered first; the helpers' come after it.
        let mut own = std::pin::pin!(ctx.shutdown_requested());
        register(&mut own, &self.waiting).await;
        let helpers: Vec<_> = (0..2)
            .map(|k| {
                let (ctx, log, waiting) = (ctx.clone(), self.log.clone(), self.waiting.clone());
                let name = name.clone();
                tokio::spawn(async move {
                    let mut wait = std::pin::pin!(ctx.shutdown_requested());
                    register(&mut wait, &waiting).await;
                    wait.await;
                    log.push(format!("{name}: helper {k} saw the request"));
                })
            })
            .collect();
        own.await;
        self.log.push(format!("{name}: run saw the request"));
        for helper in helpers {
            helper.await.expect("helper");
        }
        Ok(())
    }
}

/// Starts a tree of `children` [`ManyWaiters`], waits until every wait is registered, shuts it
/// down, and checks that every wait saw the request.
async fn stop_many_waiters(children: usize) {
    let log = Log::default();
    let (waiting, mut registered) = tokio::sync::mpsc::unbounded_channel();
    let worker = ManyWaiters {
        log: log.clone(),
        waiting,
    };
    let spec = SupervisorSpec::new("app")
        .children((0..children).map(|i| ChildSpec::from_value(format!("w{i}"), worker.clone())));
    drop(worker);
    let tree = spec.start().await.unwrap();
    for _ in 0..children * 3 {
        registered.recv().await.expect("a wait registered");
    }
    tree.shutdown().await.unwrap();
    let mut seen = log.entries();
    seen.sort();
    let mut expected: Vec<String> = (0..children)
        .flat_map(|i| {
            [
                format!("w{i}: helper 0 saw the request"),
                format!("w{i}: helper 1 saw the request"),
                format!("w{i}: run saw the request"),
            ]
        })
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test(start_paused = true)]
async fn every_waiter_on_the_stop_request_is_woken() {
    stop_many_waiters(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_waiter_is_woken_on_a_multi_thread_runtime_too() {
    // Many rounds, so that requests and registrations meet in every order the two workers
    // allow.
    for _ in 0..50 {
        stop_many_waiters(4).await;
    }
}

/// Asked to stop, it blocks its thread in the same poll (a `std::thread::sleep`, as blocking
/// code does), for longer than its shutdown timeout allows, then returns `Ok`.
struct BlocksWhenAsked(Duration);

impl supervisor::Worker for BlocksWhenAsked {
    async fn run(&mut self, ctx: &supervisor::Context) -> supervisor::WorkerResult {
        ctx.shutdown_requested().await;
        std::thread::sleep(self.0);
        Ok(())
    }
}

/// On a multi-thread runtime, so that the blocked poll does not block the supervisor: the
/// blocking is the fault under test, fifty times the timeout, not a wait for the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_that_overruns_its_timeout_in_one_blocking_poll_is_reported_killed() {
    const TIMEOUT: Duration = Duration::from_millis(10);
    const BLOCKED: Duration = Duration::from_millis(500);
    let mut spec = SupervisorSpec::new("app").child(
        ChildSpec::worker("blocker", || BlocksWhenAsked(BLOCKED))
            .shutdown(Shutdown::Timeout(TIMEOUT)),
    );
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let began = std::time::Instant::now();
    tree.shutdown().await.unwrap();
    // The poll could not be interrupted: the stop waited for it to return.
    assert!(began.elapsed() >= BLOCKED);
    assert_eq!(
        briefs(&drain(&mut events), &["exited"]),
        ["exited app/blocker killed"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_child_asked_after_one_without_a_limit_gets_its_whole_timeout() {
    let log = Log::default();
    // Stopped b, then a. b has no limit: the supervisor waits without a timer until b ends by
    // itself at 300 ms; asking a then wakes it to time a, killed 100 ms later.
    let mut spec = SupervisorSpec::new("app")
        .child(scripted(
            "a",
            Step::Hang,
            Shutdown::Timeout(Duration::from_millis(100)),
            &log,
        ))
        .child(scripted(
            "b",
            Step::FailAfter(Duration::from_millis(300)),
            Shutdown::Infinity,
            &log,
        ));
    let mut events = spec.subscribe();
    let tree = spec.start().await.unwrap();
    let took = timed_shutdown(tree).await;
    assert!(
        (Duration::from_millis(400)..=Duration::from_millis(401)).contains(&took),
        "took {took:?}"
    );
    assert_eq!(
        briefs(&drain(&mut events), &["exited"]),
        ["exited app/b failed", "exited app/a killed"]
    );
}
