//! A child's logs carry its span, `child{path=… generation=…}`: in its init phase, in every poll
//! of its run, and while its worker is dropped (also when its task is aborted); a supervisor's
//! carry `supervisor{path=…}`.

use std::sync::{Arc, Mutex};

use supervisor::{ChildSpec, Context, Shutdown, SupervisorSpec, Worker, WorkerResult};
use supervisor_tests::Captured;

/// Logs from its init, from its run before and after waiting (two polls), and from its `Drop`.
struct Chatty;

impl Worker for Chatty {
    const HAS_INIT: bool = true;

    async fn init(&mut self, _ctx: &Context) -> WorkerResult {
        tracing::info!("in init");
        Ok(())
    }

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        tracing::info!("run begins");
        ctx.shutdown_requested().await;
        tracing::info!("run ends");
        Ok(())
    }
}

impl Drop for Chatty {
    fn drop(&mut self) {
        tracing::info!("dropped");
    }
}

/// Fails once, to be restarted.
#[derive(Clone)]
struct FailsOnce(Arc<Mutex<bool>>);

impl Worker for FailsOnce {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        if !std::mem::replace(&mut *self.0.lock().unwrap(), true) {
            return Err("first run fails".into());
        }
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_nested_supervisors_logs_carry_a_supervisor_span_and_a_restart_names_its_group() {
    let captured = Captured::default();
    let _default = captured.set_default(tracing::Level::INFO);
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("web")
                .strategy(supervisor::Strategy::RestForOne)
                .intensity(3, std::time::Duration::from_secs(5))
                .child(ChildSpec::from_value("db", FailsOnce(Arc::default())))
                .child(ChildSpec::worker("cache", || Chatty)),
        ))
        .start()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    tree.shutdown().await.unwrap();

    let lines = captured.lines();
    let restart = lines
        .iter()
        .find(|l| l.contains(" restarting "))
        .unwrap_or_else(|| panic!("no restart log in {lines:#?}"));
    assert!(
        restart.contains("supervisor{path=app/web generation=0}"),
        "{restart}"
    );
    assert!(
        restart.contains(r#"with=["app/web/db", "app/web/cache"]"#)
            && restart.contains("restart=1 of=3"),
        "{restart}"
    );
}

/// Never ends by itself; stopped brutally, its task is aborted and its future dropped there.
struct Stubborn;

impl Worker for Stubborn {
    async fn run(&mut self, _ctx: &Context) -> WorkerResult {
        std::future::pending().await
    }
}

impl Drop for Stubborn {
    fn drop(&mut self) {
        tracing::info!("aborted");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_childs_logs_carry_its_span_in_init_run_and_drop() {
    let captured = Captured::default();
    let _default = captured.set_default(tracing::Level::INFO);

    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::worker("chatty", || Chatty))
        .child(ChildSpec::worker("stubborn", || Stubborn).shutdown(Shutdown::Brutal))
        .start()
        .await
        .unwrap();
    // Let the run begin before it is asked to stop, so its logs come from two polls: on this
    // current_thread runtime the yield runs every ready task, the child's first poll among
    // them, before the test goes on (a scheduling rule, not a wait for time to pass).
    tokio::task::yield_now().await;
    tree.shutdown().await.unwrap();

    let lines = captured.lines();
    let chatty = "child{path=app/chatty generation=0}";
    let stubborn = "child{path=app/stubborn generation=0}";
    for (message, span) in [
        ("in init", chatty),
        ("run begins", chatty),
        ("run ends", chatty),
        ("dropped", chatty),
        ("aborted", stubborn),
    ] {
        let line = lines
            .iter()
            .find(|l| l.ends_with(message))
            .unwrap_or_else(|| panic!("no log `{message}` in {lines:#?}"));
        assert!(
            line.contains(span),
            "`{message}` logged outside {span}: {line}"
        );
    }
    let supervisor_line = lines
        .iter()
        .find(|l| l.contains("supervisor shutting down"))
        .unwrap_or_else(|| panic!("no supervisor log in {lines:#?}"));
    assert!(
        supervisor_line.contains("supervisor{path=app}"),
        "{supervisor_line}"
    );
}
