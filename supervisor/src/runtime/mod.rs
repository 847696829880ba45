//! The runtime: one task per supervisor, owning its children's state, starting them in order,
//! restarting them by its strategy within its intensity, and stopping them in reverse order.
//!
//! A supervisor never polls its children: it waits on one mailbox (`mailbox`), where its
//! children's exits, its handles' commands (`command`), its own retries and the request to stop
//! arrive in order, and handles one message at a time, as an OTP supervisor handles its
//! mailbox. The pieces, in the order a child meets them:
//!
//! - `launch`: how one run of a child starts (spawn, or begin an init phase or a nested
//!   supervisor), and waiting for it when it must be waited for;
//! - `child`: the run itself, its task, and how it reports its end to its supervisor;
//! - `supervisor`: the supervisor's slots and loop, split by job (start, restart, shutdown,
//!   calls);
//! - `intensity`: the restart window; `stop`: stopping runs one after another as a chain of
//!   their own tasks;
//! - `log`: every call of the runtime into `tracing` (events and spans), made so that a
//!   subscriber that panics cannot take a supervisor down.
//!
//! The common case, a worker without an init phase, is started and restarted without building
//! any future (see docs/performance-notes.md).

pub(crate) mod child;
pub(crate) mod command;
mod delay;
mod ended;
mod intensity;
pub(crate) mod launch;
pub(crate) mod log;
pub(crate) mod mailbox;
mod pool;
pub(crate) mod run;
pub(crate) mod slots;
mod stop;
mod supervisor;
mod watchdog;
pub(crate) mod worker_start;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::StartError;
use crate::event::{EventBus, EventKind};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::handle::Tree;
use crate::path::ChildPath;
use crate::spec::SupervisorSpec;
use mailbox::MailSender;
use run::Run;

/// Why a supervisor (or pool) must stop now.
pub(crate) enum Stop {
    /// Its intensity was exceeded.
    Failed(Failure),
    /// It was asked to shut down in the middle of something.
    Interrupted,
    /// Its significant children have ended (OTP's `auto_shutdown`): it shuts down by itself.
    AutoShutdown,
}

/// What a starting supervisor tells whoever started it: its command channel once all its
/// children are up, or why it could not start them.
pub(crate) type ReadyReply = oneshot::Sender<Result<MailSender, StartError>>;

impl SupervisorSpec {
    /// Checks the spec, starts the tree (children one after another in start order, each init
    /// finishing before the next starts) and returns once all are running.
    ///
    /// If a child fails to start, the children started before it are stopped in reverse start
    /// order and the error names the failed child's full path.
    pub async fn start(mut self) -> Result<Tree, StartError> {
        self.validate()?;
        let events = self.events.take().unwrap_or_else(EventBus::new);
        events.keep_journal(self.journal);
        #[cfg(feature = "serde")]
        crate::snapshot::instant::touch();
        let path = ChildPath::root(&self.name);
        let run = Run::root(path.clone());
        let (ready_tx, ready_rx) = oneshot::channel();
        events.emit(|| path.clone(), || EventKind::Started { generation: 0 });
        let task = spawn_supervisor(self, run.clone(), events.clone(), ready_tx);
        let outcome = ready_rx.await;
        match outcome {
            Ok(Ok(cmd)) => Ok(Tree::new(path, cmd, run, events, task)),
            Ok(Err(error)) => {
                let _ = task.await;
                Err(error)
            }
            Err(_) => {
                let failure = match task.await {
                    Ok(RootEnd::Ended(reason)) => reason.failure().cloned().unwrap_or_else(|| {
                        Failure::new(FailureKind::StartFailed, format!("root ended: {reason}"))
                    }),
                    Ok(RootEnd::Panicked(panic)) => panic,
                    Err(_) => Failure::new(FailureKind::StartFailed, "root ended: killed"),
                };
                Err(StartError::ChildFailed { path, failure })
            }
        }
    }
}

fn spawn_supervisor(
    spec: SupervisorSpec,
    run: Arc<Run>,
    events: EventBus,
    ready: ReadyReply,
) -> JoinHandle<RootEnd> {
    let span =
        log::Span::new(|| tracing::info_span!(parent: None, "supervisor", path = %run.path()));
    tokio::spawn(RootTask::new(
        run.path().clone(),
        events.clone(),
        span,
        supervisor::supervise(spec, run, events, ready, true),
    ))
}

/// How the root supervisor's task ended.
pub(crate) enum RootEnd {
    /// The root supervisor ended, for this reason.
    Ended(ExitReason),
    /// The supervisor's own code panicked: a bug, reported as the tree's abort. Its children
    /// were aborted with it.
    Panicked(Failure),
}

pin_project! {
    /// The root supervisor's task: its panic caught (the tree is reported aborted, with the
    /// panic's message) and its end announced to the tree's event streams, which then end.
    /// Polled in the supervisor's span, if some subscriber wants it.
    struct RootTask<F> {
        #[pin]
        fut: F,
        end: Option<TreeEnd>,
        span: Option<Box<log::Span>>,
    }
}

impl<F> RootTask<F> {
    fn new(path: ChildPath, events: EventBus, span: Option<Box<log::Span>>, fut: F) -> Self {
        let end = TreeEnd {
            events,
            path,
            reason: None,
        };
        RootTask {
            fut,
            end: Some(end),
            span,
        }
    }
}

impl<F: Future<Output = ExitReason>> Future for RootTask<F> {
    type Output = RootEnd;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RootEnd> {
        let this = self.project();
        let _entered = this.span.as_deref().map(log::Span::enter);
        let (ended, reason) = match child::poll_caught(this.fut, cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(reason)) => (RootEnd::Ended(reason.clone()), reason),
            Poll::Ready(Err(panic)) => {
                (RootEnd::Panicked(panic.clone()), ExitReason::Failed(panic))
            }
        };
        if let Some(mut end) = this.end.take() {
            end.reason = Some(reason);
        }
        Poll::Ready(ended)
    }
}

/// Ends a tree's event streams when it is dropped: when its root's task ends, with the root's
/// reason, or as killed if the task is dropped before it ends (the runtime shut down).
struct TreeEnd {
    events: EventBus,
    path: ChildPath,
    reason: Option<ExitReason>,
}

impl Drop for TreeEnd {
    fn drop(&mut self) {
        let reason = self.reason.take().unwrap_or(ExitReason::Killed);
        self.events.end(&self.path, &reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TreeError;
    use crate::event::RecvError;

    async fn buggy() -> ExitReason {
        panic!("the supervisor's own bug")
    }

    #[tokio::test]
    async fn a_panic_of_the_roots_own_task_is_the_trees_abort_and_ends_its_streams() {
        let path = ChildPath::root("app");
        let run = Run::root(path.clone());
        let (cmd, _rx) = mailbox::mailbox();
        let events = EventBus::new();
        let mut stream = events.subscribe();
        let task = tokio::spawn(RootTask::new(path.clone(), events.clone(), None, buggy()));
        let tree: Tree = Tree::new(path, cmd, run, events, task);
        let error = tree.join().await.unwrap_err();
        assert!(
            matches!(&error, TreeError::Aborted { reason, .. }
                if reason == "the root supervisor's task panicked: the supervisor's own bug"),
            "{error:?}"
        );
        let last = stream.recv().await.unwrap();
        assert!(
            matches!(&last.kind, EventKind::TreeEnded { reason: ExitReason::Failed(f) }
                if f.kind() == FailureKind::Panic),
            "{last:?}"
        );
        assert_eq!(stream.recv().await.unwrap_err(), RecvError::Closed);
    }
}
