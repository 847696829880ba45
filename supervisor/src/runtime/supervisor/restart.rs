//! What happens when a child exits: OTP's `do_restart` (the restart policy decides whether it
//! is restarted), the intensity check, the strategy's choice of the children restarted with it,
//! and the retry of a restart that failed (`try_again_restart`).

use crate::runtime::log::log;
use tokio::time::Instant;

use super::start::Launch;
use super::{Pending, Running, State, Supervisor};
use crate::error::StartError;
use crate::event::EventKind;
use crate::runtime::Stop;
use crate::runtime::child::{ChildExit, Run};
use crate::runtime::command::Mail;
use crate::runtime::ended::report_exit;
use crate::spec::{Restart, Strategy};

impl Supervisor {
    /// A child's task ended by itself: decide, as OTP's `do_restart` does. Returns the child to
    /// restart, if any, and the time of its exit.
    pub(super) fn on_exit(&mut self, exit: ChildExit) -> Option<(usize, Instant)> {
        let i = self.locate(exit.slot, exit.key)?;
        let child = &mut self.children[i];
        match &child.state {
            State::Running(running) if running.run.generation == exit.generation => {}
            // An exit of a run that was stopped on purpose, or already replaced.
            _ => return None,
        }
        let State::Running(Running { task, mut run }) =
            std::mem::replace(&mut child.state, State::Stopped)
        else {
            return None;
        };
        self.reaper.release(task);
        let reason = Run::take_exit_reason(&mut run);
        self.spare_run = Some(run);
        let child = &mut self.children[i];

        report_exit(|| self.path.join(&child.spec.name), &reason, &self.events);
        // One clock read per exit, shared by the failure record and the intensity window.
        let now = Instant::now();
        let restart = child.spec.restart;
        let restarts = restart.restarts_after(&reason);
        child.last_failure.record_exit(reason, now);
        if !restarts {
            if restart == Restart::Temporary {
                self.remove(i);
            }
            return None;
        }
        Some((i, now))
    }

    /// One restart event for child `i` (which is not running): counts toward the intensity, then
    /// restarts the children the strategy names. A lone child is started here, and is running
    /// unless its start has to be waited for; the rest is left to
    /// [`finish_restart`](Self::finish_restart).
    pub(super) fn restart(&mut self, i: usize, now: Instant) -> Result<Pending, Stop> {
        if !self.window.add(now) {
            let failure = self
                .window
                .give_up(&self.path, &self.child_path(i), &self.events);
            return Err(Stop::Failed(failure));
        }
        let affected = match self.strategy {
            Strategy::OneForOne => i..i + 1,
            Strategy::OneForAll => 0..self.children.len(),
            Strategy::RestForOne => i..self.children.len(),
        };
        let crashed_key = self.children[i].key;
        self.events.emit(
            || self.child_path(i),
            || EventKind::RestartDecided {
                children: self.children[affected.clone()]
                    .iter()
                    .filter(|c| !c.is_removed())
                    .filter(|c| c.spec.restart != Restart::Temporary || c.key == crashed_key)
                    .map(|c| self.path.join(&c.spec.name))
                    .collect(),
            },
        );
        log!(info, child = %self.child_path(i), strategy = ?self.strategy, count = affected.len(), "restarting");
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

    /// The part of a restart that waits: a lone child's start, or a group's stop and start.
    pub(super) async fn finish_restart(&mut self, pending: Pending) -> Result<(), Stop> {
        let affected = match pending {
            Pending::Nothing => return Ok(()),
            Pending::Start(i, waiting) => {
                let started = self.finish_start(i, Launch::Waiting(waiting)).await;
                return self.restarted(i, started).map(|_| ());
            }
            Pending::Group(affected) => affected,
        };
        // Stop the others in reverse start order; temporary ones are dropped, never restarted
        // (their slots become tombstones, so no position in the range moves).
        self.stop(affected.clone().rev()).await;
        for j in affected.clone().rev() {
            let child = &self.children[j];
            if child.spec.restart == Restart::Temporary && !child.is_removed() {
                self.remove(j);
            }
        }
        for j in affected {
            if self.children[j].is_removed() {
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
