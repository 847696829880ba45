//! OTP's `shutdown_error` report: a child that does not end the way its shutdown asked is
//! logged at warn with its path (killed after its timeout, or failed on its way out); a child
//! that stops as asked, or is stopped brutally, only at debug.

use std::time::Duration;

use supervisor::{ChildSpec, Context, Shutdown, SupervisorSpec, Worker, WorkerResult};
use supervisor_tests::Captured;

/// Stops as asked.
struct Polite;

impl Worker for Polite {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}

/// Ignores the request.
struct Deaf;

impl Worker for Deaf {
    async fn run(&mut self, _ctx: &Context) -> WorkerResult {
        std::future::pending().await
    }
}

/// Fails on its way out.
struct Clumsy;

impl Worker for Clumsy {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Err("could not flush".into())
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn only_a_child_that_does_not_stop_as_asked_is_reported_at_warn() {
    let captured = Captured::default();
    let _default = captured.set_default(tracing::Level::DEBUG);
    let tree = SupervisorSpec::new("app")
        .child(ChildSpec::worker("polite", || Polite))
        .child(
            ChildSpec::worker("deaf", || Deaf)
                .shutdown(Shutdown::Timeout(Duration::from_millis(50))),
        )
        .child(ChildSpec::worker("clumsy", || Clumsy))
        .child(ChildSpec::worker("brutal", || Deaf).shutdown(Shutdown::Brutal))
        .start()
        .await
        .unwrap();
    tree.shutdown().await.unwrap();

    let lines = captured.lines();
    let text = lines.join("\n");
    let warns: Vec<&String> = lines.iter().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warns.len(), 2, "{text}");
    assert!(
        warns[0].contains("child did not stop cleanly")
            && warns[0].contains("child=app/clumsy")
            && warns[0].contains("could not flush"),
        "{text}"
    );
    assert!(
        warns[1].contains("child did not stop within its shutdown timeout: killed")
            && warns[1].contains("child=app/deaf")
            && warns[1].contains("50ms"),
        "{text}"
    );
    for quiet in ["app/brutal", "app/polite"] {
        assert!(
            text.lines()
                .any(|l| l.contains("DEBUG") && l.contains("child stopped") && l.contains(quiet)),
            "no debug report for {quiet} in {text}"
        );
    }
}
