//! Starting children: all of them in start order when the supervisor starts, and one at a
//! time for a restart or a handle's call, each init finishing before the next child starts.

use crate::runtime::log::{self, log};
use std::sync::Arc;

use tokio::time::Instant;

use super::{Running, State, Supervisor};
use crate::error::StartError;
use crate::event::EventKind;
use crate::exit::Failure;
use crate::runtime::child::{SpawnArgs, TaskHandle};
use crate::runtime::launch::{self, Launched, WaitFailed, WaitOn};
use crate::runtime::run::Run;
use crate::runtime::{delay, watchdog};
use crate::spec::{ChildKind, Restart};

/// A start after its part that needs no waiting (see `Supervisor::launch`).
pub(super) enum Launch {
    /// The child is running.
    Done,
    /// The child could not be started: its worker's factory panicked, or its init phase
    /// failed at its first poll.
    Failed(Failure),
    /// The start waits for the child.
    Waiting(Waiting),
}

pub(super) struct Waiting {
    run: Arc<Run>,
    on: WaitOn,
}

impl Supervisor {
    /// Starts every child in start order; on a failure, stops those already started in reverse
    /// order.
    pub(super) async fn start_all(&mut self) -> Result<(), StartError> {
        for i in 0..self.children.len() {
            let started = match self.launch(i) {
                Launch::Done => Ok(()),
                waiting => self.finish_start(i, waiting).await,
            };
            if let Err(error) = started {
                self.stop_all().await;
                return Err(error);
            }
        }
        Ok(())
    }

    /// Starts one run of child `i` and, if it has an init phase (or is a supervisor), waits for
    /// it to finish. A shutdown request while waiting aborts the start.
    ///
    /// Hot paths call [`launch`](Self::launch) and [`finish_start`](Self::finish_start)
    /// themselves, so a child that needs no waiting never builds the waiting future (hundreds of
    /// bytes, moved on every call).
    pub(super) async fn start(&mut self, i: usize) -> Result<(), StartError> {
        match self.launch(i) {
            Launch::Done => Ok(()),
            waiting => self.finish_start(i, waiting).await,
        }
    }

    /// The part of a start that needs no waiting: a new run of child `i`, spawned (a worker
    /// without an init phase, or whose init finished at its first poll, is then running) or
    /// with its init phase or nested supervisor's start to wait for.
    pub(super) fn launch(&mut self, i: usize) -> Launch {
        let child = &mut self.children[i];
        let spec = &self.specs[i];
        let generation = child.starts;
        child.starts += 1;
        let spare = self.spare_run.take();
        // The child's previous run's task, if it waits for this run.
        let (run, mut parked) = match self.reaper.rerun(i, child.key, generation, child.restarts) {
            Some((run, task)) => (run, Some(task)),
            None => (
                Run::new_in(spare, &self.owner, &spec.name, generation, child.restarts),
                None,
            ),
        };
        let span = log::child_span(spec.child_type(), &run);
        let args = SpawnArgs {
            run: run.clone(),
            slot: i,
            key: child.key,
            span,
            restart: spec.restart,
        };
        let launched = launch::launch(&spec.kind, args, &run, &self.events, &mut parked);
        if let Some(unused) = parked {
            self.reaper.retire(unused);
        }
        match launched {
            Launched::Running(task) => {
                self.running(i, task, run);
                Launch::Done
            }
            Launched::Failed(failure) => Launch::Failed(failure),
            Launched::Ignored => {
                self.ignored(i);
                Launch::Done
            }
            Launched::Waiting(on) => Launch::Waiting(Waiting { run, on }),
        }
    }

    /// The waiting part of a start (see [`launch`](Self::launch)).
    pub(super) async fn finish_start(
        &mut self,
        i: usize,
        launch: Launch,
    ) -> Result<(), StartError> {
        let Waiting { run, on } = match launch {
            Launch::Done => return Ok(()),
            Launch::Failed(failure) => return Err(self.start_failed(i, failure)),
            Launch::Waiting(waiting) => waiting,
        };
        let spec = &self.specs[i];
        let (shutdown, start_timeout) = (spec.shutdown, spec.start_limit());
        let waited = launch::wait(
            on,
            run.clone(),
            shutdown,
            self.shutdown_requested.as_mut(),
            start_timeout,
            &self.events,
        )
        .await;
        match waited {
            Ok(task) => {
                self.running(i, task, run);
                Ok(())
            }
            Err(WaitFailed::Interrupted) => Err(StartError::Interrupted {
                path: self.path.clone(),
            }),
            Err(WaitFailed::Failed(failure)) => Err(self.start_failed(i, failure)),
            Err(WaitFailed::Ignored) => {
                self.ignored(i);
                Ok(())
            }
            Err(WaitFailed::Nested(error, failure)) => {
                self.record_start_failure(i, failure);
                Err(error)
            }
        }
    }

    /// Child `i` has started: it is ready and running. Inlined into the start of each child
    /// (its own frame cost ~20 instructions a child).
    #[inline(always)]
    pub(super) fn running(&mut self, i: usize, task: TaskHandle, run: Arc<Run>) {
        let generation = run.generation();
        self.events
            .emit(|| run.path().clone(), || EventKind::Ready { generation });
        let child = &mut self.children[i];
        let spec = &mut self.specs[i];
        delay::started(&mut child.backoff);
        if spec.restart == Restart::Temporary {
            // Never started again: its factory, and what it holds, goes now.
            spec.kind = ChildKind::Taken(spec.child_type());
        }
        let watchdog = spec
            .heartbeat_interval()
            .map(|interval| watchdog::spawn(&run, interval, &self.mail_tx, i, child.key));
        child.state = State::Running(Running {
            task,
            run,
            _watchdog: watchdog,
        });
    }

    /// Child `i`'s init decided not to run (OTP's `ignore`): it stays stopped, which is no
    /// failure; a temporary child is dropped.
    fn ignored(&mut self, i: usize) {
        self.children[i].state = State::Stopped;
        if self.specs[i].restart == Restart::Temporary {
            self.remove(i);
        }
    }

    pub(super) fn record_start_failure(&mut self, i: usize, failure: Failure) {
        log!(error, child = %self.child_path(i), %failure, "child failed to start");
        self.events.emit(
            || self.child_path(i),
            || EventKind::StartFailed {
                failure: failure.clone(),
            },
        );
        self.children[i].last_failure.set(failure, Instant::now());
    }

    pub(super) fn start_failed(&mut self, i: usize, failure: Failure) -> StartError {
        self.record_start_failure(i, failure.clone());
        StartError::ChildFailed {
            path: self.child_path(i),
            failure,
        }
    }
}
