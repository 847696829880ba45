//! Spawning one run of a child as a tokio task, with panics caught and the exit reported.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::exit::{ExitReason, Failure};
use crate::spec::{ChildFuture, Shutdown};

/// A child's exit, as its task reports it to the supervisor.
pub(crate) struct ChildExit {
    /// The child's position when it was started: right unless a child before it was removed.
    pub(crate) slot: usize,
    pub(crate) key: u64,
    pub(crate) generation: u64,
    pub(crate) reason: ExitReason,
}

/// Polls a child's future with panics caught: a panic ends the run as a failure with the
/// panic's message instead of unwinding into tokio.
struct CatchUnwind(ChildFuture);

impl Future for CatchUnwind {
    type Output = ExitReason;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ExitReason> {
        let fut = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => Poll::Ready(ExitReason::Failed(Failure::from_panic(&*payload))),
        }
    }
}

/// Spawns one run of a child. Its exit is both the task's output (for a supervisor stopping it)
/// and a message on `exits` (for a supervisor waiting for any child to exit), so no supervisor
/// ever polls its children.
pub(crate) fn spawn(
    fut: ChildFuture,
    slot: usize,
    key: u64,
    generation: u64,
    exits: mpsc::UnboundedSender<ChildExit>,
    span: tracing::Span,
) -> JoinHandle<ExitReason> {
    tokio::spawn(
        async move {
            let reason = CatchUnwind(fut).await;
            let _ = exits.send(ChildExit {
                slot,
                key,
                generation,
                reason: reason.clone(),
            });
            reason
        }
        .instrument(span),
    )
}

/// Stops one run of a child as its shutdown says and waits until its task has ended.
pub(crate) async fn stop(
    mut task: JoinHandle<ExitReason>,
    token: &CancellationToken,
    shutdown: Shutdown,
) -> ExitReason {
    match shutdown {
        Shutdown::Brutal => task.abort(),
        Shutdown::Timeout(limit) => {
            token.cancel();
            // Most children end as soon as they next run: give this one that turn before arming
            // a timer, which costs a registration with the time driver per child.
            tokio::task::yield_now().await;
            if task.is_finished() {
                return joined_reason(task.await);
            }
            if let Ok(joined) = tokio::time::timeout(limit, &mut task).await {
                return joined_reason(joined);
            }
            task.abort();
        }
        Shutdown::Infinity => token.cancel(),
    }
    joined_reason(task.await)
}

/// The exit reason of a joined task; an aborted task was killed.
pub(crate) fn joined_reason(joined: Result<ExitReason, tokio::task::JoinError>) -> ExitReason {
    match joined {
        Ok(reason) => reason,
        Err(e) if e.is_cancelled() => ExitReason::Killed,
        Err(e) => ExitReason::Failed(Failure::from_panic(&*e.into_panic())),
    }
}
