//! What happens when a child exits: OTP's `do_restart` (the restart policy decides whether it
//! is restarted), the intensity check, the strategy's choice of the children restarted with it,
//! and the retry of a restart that failed (`try_again_restart`).

use crate::runtime::log::log;
use tokio::time::Instant;

use super::start::Launch;
use super::{Pending, Running, State, Supervisor};
use crate::error::StartError;
use crate::event::EventKind;
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::path::ChildPath;
use crate::runtime::Stop;
use crate::runtime::child::ChildExit;
use crate::runtime::command::Mail;
use crate::runtime::ended::report_exit;
use crate::runtime::intensity::RestartWindow;
use crate::runtime::run::Run;
use crate::spec::{AutoShutdown, Restart, Strategy};

impl Supervisor {
    /// A child's task ended by itself: decide, as OTP's `do_restart` does. Returns the child to
    /// restart, if any, and the time of its exit; or that the supervisor shuts itself down, its
    /// significant children having ended (OTP's `auto_shutdown`).
    pub(super) fn on_exit(&mut self, exit: ChildExit) -> Result<Option<(usize, Instant)>, Stop> {
        let Some(i) = self.locate(exit.slot, exit.key) else {
            return Ok(None);
        };
        let child = &mut self.children[i];
        match &child.state {
            State::Running(running) if running.run.generation() == exit.generation => {}
            // An exit of a run that was stopped on purpose, or already replaced.
            _ => return Ok(None),
        }
        let State::Running(Running { task, mut run, .. }) =
            std::mem::replace(&mut child.state, State::Stopped)
        else {
            return Ok(None);
        };
        let reason = Run::take_exit_reason(&mut run);
        if run.parked() {
            // Its task waits for the child's next run.
            self.reaper.park(i, child.key, task, run);
        } else {
            self.reaper.release(task);
            self.spare_run = Some(run);
        }
        let spec = &self.specs[i];
        report_exit(|| self.path.join(&spec.name), &reason, &self.events);
        self.exited(i, reason)
    }

    /// Child `i`, no longer running, ended for `reason` (reported already): records it, and
    /// decides.
    #[inline]
    fn exited(&mut self, i: usize, reason: ExitReason) -> Result<Option<(usize, Instant)>, Stop> {
        let child = &mut self.children[i];
        let spec = &self.specs[i];
        // One clock read per exit, shared by the failure record and the intensity window.
        let now = Instant::now();
        let restart = spec.restart;
        let restarts = restart.restarts_after(&reason);
        child.last_failure.record_exit(reason, now);
        if !restarts {
            let significant = spec.is_significant();
            if restart == Restart::Temporary {
                self.remove(i);
            }
            if significant && self.significant_ended(i) {
                log!(info, child = %self.child_path(i), auto_shutdown = ?self.auto_shutdown, "significant child ended: shutting down");
                self.events
                    .emit(|| self.child_path(i), || EventKind::AutoShutdown);
                return Err(Stop::AutoShutdown);
            }
            return Ok(None);
        }
        Ok(Some((i, now)))
    }

    /// Child `slot`/`key`'s run `generation` missed its heartbeat: it is stopped with its
    /// shutdown, and its end is a failure (unresponsive), decided as any exit.
    pub(super) async fn unresponsive(
        &mut self,
        slot: usize,
        key: u64,
        generation: u64,
    ) -> Result<Pending, Stop> {
        let Some(i) = self.locate(slot, key) else {
            return Ok(Pending::Nothing);
        };
        match &self.children[i].state {
            State::Running(running) if running.run.generation() == generation => {}
            _ => return Ok(Pending::Nothing),
        }
        let interval = self.specs[i].heartbeat_interval().unwrap_or_default();
        let failure = Failure::new(
            FailureKind::Unresponsive,
            format!("it missed its heartbeat (every {interval:?})"),
        );
        log!(error, child = %self.child_path(i), %failure, "child unresponsive: stopping it");
        self.events.emit(
            || self.child_path(i),
            || EventKind::Unresponsive {
                failure: failure.clone(),
            },
        );
        // Its stop is announced as it happens; its end counts as the failure.
        self.stop([i]).await;
        match self.exited(i, ExitReason::Failed(failure))? {
            Some((i, now)) => self.restart(i, now),
            None => Ok(Pending::Nothing),
        }
    }

    /// Makes running child `i` crash with `failure`, as if its run had failed (the testing
    /// kit's fault injection): its task is aborted at once, and its end counts as the failure,
    /// decided as any exit.
    pub(super) async fn crash(&mut self, i: usize, failure: Failure) -> Result<Pending, Stop> {
        let State::Running(Running { mut task, run, .. }) =
            std::mem::replace(&mut self.children[i].state, State::Stopped)
        else {
            return Ok(Pending::Nothing);
        };
        task.abort();
        // Its worker is dropped in its task: waited for, so the crash is over when this is.
        let _ = (&mut task).await;
        drop(run);
        let reason = ExitReason::Failed(failure);
        let spec = &self.specs[i];
        report_exit(|| self.path.join(&spec.name), &reason, &self.events);
        match self.exited(i, reason)? {
            Some((i, now)) => self.restart(i, now),
            None => Ok(Pending::Nothing),
        }
    }

    /// Whether the end of significant child `i` shuts the supervisor down: any significant
    /// child's under `any_significant`; under `all_significant`, once no other significant
    /// child is running or waiting for a restart (a paused one will come back, so it counts as
    /// not ended).
    fn significant_ended(&self, i: usize) -> bool {
        match self.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            AutoShutdown::AllSignificant => !self.live().any(|(j, c)| {
                j != i
                    && self.specs[j].is_significant()
                    && matches!(
                        c.state,
                        State::Running(_) | State::Restarting | State::Delayed(_) | State::Paused
                    )
            }),
        }
    }

    /// Whether child `i`, about to be restarted at `now`, has gone past its own quarantine
    /// limit: it is then taken out of automatic restart, and its restart is not counted toward
    /// the supervisor's intensity.
    fn quarantined(&mut self, i: usize, now: Instant) -> bool {
        let child = &mut self.children[i];
        let spec = &self.specs[i];
        let Some(limit) = spec.quarantine_limit() else {
            return false;
        };
        let window = child
            .quarantine
            .get_or_insert_with(|| Box::new(RestartWindow::new(limit)));
        if window.add(now) {
            return false;
        }
        child.quarantine = None;
        child.state = State::Quarantined;
        log!(warn, child = %self.child_path(i), max_restarts = limit.max_restarts, period = ?limit.period, "child quarantined: too many restarts of its own");
        self.events.emit(
            || self.child_path(i),
            || EventKind::Quarantined {
                max_restarts: limit.max_restarts,
                period: limit.period,
            },
        );
        true
    }

    /// One restart event for child `i` (which is not running): counts toward the intensity, then
    /// restarts the children the strategy names. A lone child is started here, and is running
    /// unless its start has to be waited for; the rest is left to
    /// [`finish_restart`](Self::finish_restart).
    pub(super) fn restart(&mut self, i: usize, now: Instant) -> Result<Pending, Stop> {
        if self.quarantined(i, now) {
            return Ok(Pending::Nothing);
        }
        if !self.window.add(now) {
            let cause = self.children[i].last_failure.get().map(|r| r.failure);
            let failure = self.window.give_up(
                &self.path,
                &self.child_path(i),
                cause.as_ref(),
                &self.events,
            );
            return Err(Stop::Failed(failure));
        }
        let affected = self.affected(i);
        self.events.emit(
            || self.child_path(i),
            || EventKind::RestartDecided {
                children: self.restarted_with(i, affected.clone()).into(),
            },
        );
        let child = &mut self.children[i];
        let spec = &self.specs[i];
        let backoff = spec.own_backoff().unwrap_or(&self.backoff);
        let delay = self.delays.delay(backoff, &mut child.backoff, now);
        log!(info,
            child = %self.child_path(i),
            strategy = ?self.strategy,
            with = ?self.restarted_with(i, affected.clone()),
            restart = self.window.used().0,
            of = self.window.used().1,
            ?delay,
            "restarting"
        );
        if !delay.is_zero() {
            return Ok(Pending::Delay(i, delay, affected));
        }
        self.restart_now(i, affected)
    }

    /// The paths of the children a restart of child `i` restarts: those of `affected` that are
    /// not removed, temporary ones left out (they are stopped, not restarted), in start order.
    fn restarted_with(&self, i: usize, affected: std::ops::Range<usize>) -> Vec<ChildPath> {
        let crashed_key = self.children[i].key;
        self.children[affected.clone()]
            .iter()
            .zip(&self.specs[affected])
            .filter(|(c, _)| !c.is_removed())
            .filter(|(c, s)| s.restart != Restart::Temporary || c.key == crashed_key)
            .map(|(_, s)| self.path.join(&s.name))
            .collect()
    }

    /// The children a restart of child `i` restarts, by the strategy.
    fn affected(&self, i: usize) -> std::ops::Range<usize> {
        match self.strategy {
            Strategy::OneForOne => i..i + 1,
            Strategy::OneForAll => 0..self.children.len(),
            Strategy::RestForOne => i..self.children.len(),
        }
    }

    /// The start part of a restart of child `i`, decided (and counted) already: a lone child
    /// is started here, and is running unless its start has to be waited for; a group is left
    /// to [`finish_restart`](Self::finish_restart).
    #[inline]
    fn restart_now(&mut self, i: usize, affected: std::ops::Range<usize>) -> Result<Pending, Stop> {
        if affected.len() > 1 {
            return Ok(Pending::Group(affected));
        }
        // Only the child itself, which is not running: nothing to stop.
        self.children[i].restarts += 1;
        Ok(match self.launch(i) {
            Launch::Done => Pending::Nothing,
            Launch::Failed(failure) => {
                let error = self.start_failed(i, failure);
                self.restarted(i, Err(error))?;
                Pending::Nothing
            }
            Launch::Waiting(waiting) => Pending::Start(i, waiting),
        })
    }

    /// A delayed restart's time has come (if it was not cancelled meanwhile).
    pub(super) fn delay_over(
        &mut self,
        slot: usize,
        key: u64,
        ticket: u64,
    ) -> Result<Pending, Stop> {
        let Some(i) = self.locate(slot, key) else {
            return Ok(Pending::Nothing);
        };
        match &self.children[i].state {
            State::Delayed(timer) if timer.ticket == ticket => {}
            _ => return Ok(Pending::Nothing),
        }
        self.children[i].state = State::Stopped;
        log!(info, child = %self.child_path(i), "restarting after its delay");
        let affected = self.affected(i);
        self.restart_now(i, affected)
    }

    /// The part of a restart that waits: a lone child's start, or a group's stop and start.
    pub(super) async fn finish_restart(&mut self, pending: Pending) -> Result<(), Stop> {
        let affected = match pending {
            Pending::Nothing => return Ok(()),
            Pending::Start(i, waiting) => {
                let started = self.finish_start(i, Launch::Waiting(waiting)).await;
                return self.restarted(i, started).map(|_| ());
            }
            Pending::Group(affected) => affected,
            Pending::Delay(i, delay, affected) => {
                if affected.len() > 1 {
                    self.stop_group(affected).await;
                }
                let until = tokio::time::Instant::now() + delay;
                let key = self.children[i].key;
                let timer = self.delays.arm(&self.mail_tx, i, key, until);
                self.children[i].state = State::Delayed(timer);
                self.events.emit(
                    || self.child_path(i),
                    || EventKind::RestartDelayed { delay, until },
                );
                return Ok(());
            }
        };
        self.stop_group(affected.clone()).await;
        for j in affected {
            // A paused or quarantined child stays so when its group restarts.
            if matches!(
                self.children[j].state,
                State::Removed | State::Paused | State::Quarantined
            ) {
                continue;
            }
            self.children[j].restarts += 1;
            let started = match self.launch(j) {
                Launch::Done => Ok(()),
                waiting => self.finish_start(j, waiting).await,
            };
            if !self.restarted(j, started)? {
                break;
            }
        }
        Ok(())
    }

    /// Stops the running children of a group in reverse start order; temporary ones are
    /// dropped, never restarted (their slots become tombstones, so no position in the range
    /// moves).
    async fn stop_group(&mut self, affected: std::ops::Range<usize>) {
        self.stop(affected.clone().rev()).await;
        for j in affected.rev() {
            let child = &self.children[j];
            let spec = &self.specs[j];
            if spec.restart == Restart::Temporary && !child.is_removed() {
                self.remove(j);
            }
        }
    }

    /// How a restart's start of child `j` went: whether it is running. A failed start is tried
    /// again later (OTP's `try_again`): the child waits as `restarting`, the supervisor goes back
    /// to its mailbox, and the retry counts toward the intensity.
    pub(super) fn restarted(
        &mut self,
        j: usize,
        started: Result<(), StartError>,
    ) -> Result<bool, Stop> {
        match started {
            Ok(()) => Ok(true),
            Err(StartError::Interrupted { .. }) => Err(Stop::Interrupted),
            Err(_) => {
                self.children[j].state = State::Restarting;
                let key = self.children[j].key;
                let _ = self.mail_tx.send(Mail::TryAgain { slot: j, key });
                Ok(false)
            }
        }
    }

    /// OTP's `try_again_restart`: a restart that failed to start its child, tried again.
    pub(super) fn try_again(&mut self, slot: usize, key: u64) -> Result<Pending, Stop> {
        match self.locate(slot, key) {
            Some(i) if matches!(self.children[i].state, State::Restarting) => {
                self.restart(i, Instant::now())
            }
            _ => Ok(Pending::Nothing),
        }
    }
}
