//! One run of a child as a tokio task ([`ChildTask`]): spawned with panics caught and its exit
//! reported, to its place in a stop or to its supervisor's mailbox. A worker's factory and init
//! phase run in the supervisor's task, with their panics caught too ([`caught`], [`Caught`]).
//! The state a run shares with its supervisor is in `run.rs`.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::task::JoinHandle;

use super::command::Mail;
use super::log;
use super::run::Run;
use crate::exit::{ExitReason, Failure};
use crate::spec::Restart;

/// How a run's end is reported: to its place in a stop, or else (when it ended by itself) to
/// its supervisor's mailbox.
struct End {
    run: Arc<Run>,
    key: u64,
    slot: u32,
    /// The child's restart policy, if its task may wait for the child's next run once the
    /// run has ended by itself (see [`ChildTask`]).
    parks: Option<Restart>,
}

impl End {
    /// Reports how the run ended. `finished` tells whether the run's future completed, rather
    /// than being dropped (aborted, possibly before its first poll). Tells whether the task
    /// parks: the run ended by itself, and its child is restarted after such an end.
    fn report(&self, reason: ExitReason, finished: bool) -> bool {
        let parks = finished && self.parks.is_some_and(|r| r.restarts_after(&reason));
        // A run ending by itself is reported to the supervisor's mailbox; one being stopped is
        // reported to its stop chain (by `ended`), where the supervisor waits for it.
        if !self.run.ended(reason) || !finished {
            return false;
        }
        let Some(owner) = self.run.owner() else {
            return false;
        };
        // Before the exit is posted: the supervisor reads it with the exit.
        if parks {
            self.run.mark_parking();
        }
        let posted = owner.mailbox.send(Mail::Exited(ChildExit {
            slot: self.slot as usize,
            key: self.key,
            generation: self.run.generation(),
        }));
        parks && posted.is_ok()
    }
}

/// What the supervisor hands to a parked task: the child's next run (see [`hand_over`]).
struct Next<F> {
    fut: F,
    span: Option<Box<log::Span>>,
}

/// A child's exit, as its task reports it to the supervisor (the reason is in the run).
pub(crate) struct ChildExit {
    /// The child's position when it was started: right unless a child before it was removed.
    pub(crate) slot: usize,
    pub(crate) key: u64,
    pub(crate) generation: u64,
}

pin_project! {
    /// A child's task: its future, polled with panics caught (a panic ends the run as a failure
    /// with the panic's message instead of unwinding into tokio), and the report of its end,
    /// made also when the task is aborted (then as killed), even before its first poll.
    ///
    /// The worker's future is a field, not a box of its own: one allocation per start.
    ///
    /// A worker's run that ends by itself in a way that restarts its child leaves its task
    /// parked (no future, its end kept), for the supervisor to hand it the child's next run
    /// ([`hand_over`]) rather than spawn a task for it: a restart then allocates no task. The
    /// supervisor aborts a parked task it does not use.
    struct ChildTask<F> {
        #[pin]
        fut: Option<F>,
        end: Option<End>,
        // The child's span, entered for every poll and for the drop of the worker's future;
        // boxed, and only when some subscriber wants it: a span takes five words, and every
        // idle child's task would carry them (`tracing::Instrumented` keeps it inline).
        span: Option<Box<log::Span>>,
    }

    impl<F> PinnedDrop for ChildTask<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            let _entered = this.span.as_deref().map(log::Span::enter);
            // Parked: the run's end was reported already.
            let parked = this.fut.is_none();
            // The worker's state goes first, so the run counts as ended only once it is gone;
            // a panic in its `Drop` must not skip the report, or a stop would wait forever.
            let dropped = drop_caught(this.fut.as_mut());
            if let Some(end) = this.end.take() {
                if parked {
                    end.run.close_handover();
                    return;
                }
                let reason = match dropped {
                    Ok(()) => ExitReason::Killed,
                    Err(panic) => ExitReason::Failed(panic),
                };
                end.report(reason, false);
            }
        }
    }
}

impl<F: Future<Output = ExitReason> + 'static> Future for ChildTask<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        loop {
            let Some(end) = this.end.as_ref() else {
                // Not reached: a task whose run has ended is not polled again.
                return Poll::Ready(());
            };
            if this.fut.is_none() {
                // Parked: the next run, once the supervisor hands it over.
                let Some(next) = end.run.take_handover(cx.waker()) else {
                    return Poll::Pending;
                };
                match next.downcast::<Next<F>>() {
                    Ok(next) => {
                        let Next { fut, span } = *next;
                        this.fut.set(Some(fut));
                        *this.span = span;
                    }
                    // Not reached: a child's runs are of one worker type.
                    Err(_) => {
                        let failure = Failure::new(
                            crate::exit::FailureKind::StartFailed,
                            "its restart handed its task a run of another type",
                        );
                        if let Some(end) = this.end.take() {
                            end.report(ExitReason::Failed(failure), true);
                        }
                        return Poll::Ready(());
                    }
                }
            }
            let _entered = this.span.as_deref().map(log::Span::enter);
            let Some(fut) = this.fut.as_mut().as_pin_mut() else {
                return Poll::Pending;
            };
            let mut reason = match poll_caught(fut, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(reason)) => reason,
                Poll::Ready(Err(panic)) => ExitReason::Failed(panic),
            };
            // A panic in a `Drop` is the run's failure (told with the run's own, if it
            // failed): it must not skip the report.
            if let Err(panic) = drop_caught(this.fut.as_mut()) {
                reason = reason.then_drop_panicked(panic);
            }
            let parks = this
                .end
                .as_ref()
                .is_some_and(|end| end.report(reason, true));
            if !parks {
                this.end.take();
                return Poll::Ready(());
            }
            // Parked, with its end kept: the next run may have been handed over already.
        }
    }
}

/// Runs `f` with a panic caught as a failure with the panic's message. For the worker code that
/// runs in a supervisor's or a child's task around the user's: a spec's factory (a panic there
/// is a failed start, as OTP calls a start function under `catch`), a poll, a `Drop`.
///
/// Inlined: around a spec's factory it runs once a start, and out of line its own call frame
/// cost 20 instructions of a child's ~1,500 (callgrind, a flat tree's start).
#[inline]
pub(crate) fn caught<T>(f: impl FnOnce() -> T) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| Failure::from_panic(&*payload))
}

/// Drops the future in `slot` with a panic in a `Drop` caught. The slot is empty afterwards
/// either way.
fn drop_caught<F>(mut slot: Pin<&mut Option<F>>) -> Result<(), Failure> {
    caught(|| slot.set(None))
}

/// Polls `fut` with a panic caught.
#[inline]
pub(crate) fn poll_caught<F: Future>(
    fut: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Failure>> {
    match caught(|| fut.poll(cx)) {
        Ok(poll) => poll.map(Ok),
        Err(panic) => Poll::Ready(Err(panic)),
    }
}

pin_project! {
    /// A phase of a run polled with its panics caught: a panic ends it as the run's failure,
    /// with the panic's message, instead of unwinding into the task that polls it.
    pub(crate) struct Caught<F> {
        #[pin]
        fut: F,
    }
}

impl<F> Caught<F> {
    pub(crate) fn new(fut: F) -> Self {
        Caught { fut }
    }
}

impl<T, E: From<ExitReason>, F: Future<Output = Result<T, E>>> Future for Caught<F> {
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match poll_caught(self.project().fut, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(outcome)) => Poll::Ready(outcome),
            Poll::Ready(Err(panic)) => Poll::Ready(Err(ExitReason::Failed(panic).into())),
        }
    }
}

/// Everything a child's task is spawned with but its future.
pub(crate) struct SpawnArgs {
    pub(crate) run: Arc<Run>,
    /// The child's position and key in its supervisor, carried by its exit message.
    pub(crate) slot: usize,
    pub(crate) key: u64,
    /// The child's span, when some subscriber wants it (see [`log::Span::new`]).
    pub(crate) span: Option<Box<log::Span>>,
    /// The child's restart policy, for a run whose task may wait for the child's next run
    /// (see [`spawn_parking`]).
    pub(crate) restart: Restart,
}

pin_project! {
    /// A future polled inside a span, if there is one (`tracing::Instrumented` takes a span
    /// by value, five words, even when it is disabled).
    pub(crate) struct InSpan<'a, F> {
        span: Option<&'a log::Span>,
        #[pin]
        fut: F,
    }
}

impl<'a, F> InSpan<'a, F> {
    pub(crate) fn new(span: Option<&'a log::Span>, fut: F) -> Self {
        InSpan { span, fut }
    }
}

impl<F: Future> Future for InSpan<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.map(log::Span::enter);
        this.fut.poll(cx)
    }
}

/// A child's task as its supervisor holds it: aborted if the supervisor lets go of it first.
/// OTP links a supervisor to its children, so a supervisor that is killed (after its shutdown
/// timeout, say) takes them with it; a supervisor task dropped here drops its slots, its stop
/// in progress and its pending starts, and with them every child task it still held. Dropping
/// the handle of a task that has ended costs one load.
pub(crate) struct TaskHandle(JoinHandle<()>);

impl TaskHandle {
    pub(crate) fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    pub(crate) fn abort(&self) {
        self.0.abort();
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        // A load rather than the abort's read-modify-write for the usual case, a task that
        // has finished (a stop drops thousands of them); one finishing meanwhile needs none.
        if !self.0.is_finished() {
            self.0.abort();
        }
    }
}

impl Future for TaskHandle {
    type Output = Result<(), tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Spawns one run of a child. Its exit is kept in its run (for a stop, or a join, to read) and,
/// when it ends by itself, sent to its owner's mailbox (for a supervisor waiting for any child
/// to exit), so no supervisor ever polls its children.
pub(crate) fn spawn<F>(fut: F, args: SpawnArgs) -> TaskHandle
where
    F: Future<Output = ExitReason> + Send + 'static,
{
    spawn_task(fut, args, false)
}

/// Spawns one run of a worker (see [`spawn`]) whose task, when the run ends by itself in a way
/// that restarts the child, waits for the child's next run (see [`ChildTask`]).
pub(crate) fn spawn_parking<F>(fut: F, args: SpawnArgs) -> TaskHandle
where
    F: Future<Output = ExitReason> + Send + 'static,
{
    spawn_task(fut, args, true)
}

#[inline(always)]
fn spawn_task<F>(fut: F, args: SpawnArgs, parks: bool) -> TaskHandle
where
    F: Future<Output = ExitReason> + Send + 'static,
{
    let SpawnArgs {
        run,
        slot,
        key,
        span,
        restart,
    } = args;
    let end = End {
        run,
        key,
        // A supervisor's children and a partition's instances are counted in 32 bits (an
        // instance id's slot is); a slot beyond is only a hint (`locate` finds it by key).
        slot: u32::try_from(slot).unwrap_or(u32::MAX),
        parks: parks.then_some(restart),
    };
    TaskHandle(tokio::spawn(ChildTask {
        fut: Some(fut),
        end: Some(end),
        span,
    }))
}

/// Starts the child's next run in the task of its previous one, parked for it (see
/// [`ChildTask`]); its run is `args`' run, renewed. If that task is gone, spawns one. Returns
/// the task spawned, if one was.
pub(crate) fn hand_over<F>(fut: F, args: SpawnArgs) -> Option<TaskHandle>
where
    F: Future<Output = ExitReason> + Send + 'static,
{
    let next = Box::new(Next {
        fut,
        span: args.span,
    });
    match args.run.hand_over(next) {
        Ok(()) => None,
        Err(next) => {
            let Next { fut, span } = *next;
            let args = SpawnArgs { span, ..args };
            Some(spawn_parking(fut, args))
        }
    }
}

/// Spawns a task of the runtime's own (a restart's timer), held like a child's: aborted when
/// its handle is dropped.
pub(crate) fn spawn_plain<F>(fut: F) -> TaskHandle
where
    F: Future<Output = ()> + Send + 'static,
{
    TaskHandle(tokio::spawn(fut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::ChildPath;
    use crate::worker::{Context as WorkerContext, Worker, WorkerResult};

    struct Idle(#[allow(dead_code)] [usize; 3]);

    impl Worker for Idle {
        async fn run(&mut self, ctx: &WorkerContext) -> WorkerResult {
            ctx.shutdown_requested().await;
            Ok(())
        }
    }

    #[test]
    fn a_workers_task_fits_in_tokios_smallest_task_cell() {
        let run = Run::root(ChildPath::root("t"));
        let fut =
            crate::runtime::worker_start::run_phase(Idle([0; 3]), WorkerContext::new(run.clone()));
        let task = ChildTask {
            fut: Some(fut),
            end: Some(End {
                run,
                key: 0,
                slot: 0,
                parks: None,
            }),
            span: None,
        };
        // A tokio task cell (1.54, x86_64) is the future plus 104 bytes (header, scheduler,
        // id, stage tag, trailer), rounded up to 128 bytes: a future of up to 152 bytes takes
        // 256, one of 160 already takes 384. Measured with the allocation sizes of a start.
        // A worker holding three words (as the benchmarks' does) must stay within 152.
        let size = std::mem::size_of_val(&task);
        assert!(size <= 152, "a worker's task future takes {size} bytes");
    }
}
