//! What happens when an instance's run ends: OTP's `do_restart` for a dynamic child. The exit is
//! recorded and decided by the instance's policy; a restart counts toward the pool's intensity,
//! waits for its backoff if it has one, and a failed one is tried again through the mailbox
//! (`try_again_restart`). A run that missed its heartbeat is stopped and decided the same way.

use super::*;

impl Pool {
    /// Aborts the watchdog of the run at `slot`, if the pool has a heartbeat (a pool without
    /// one pays nothing on an exit).
    pub(super) fn unwatch(&mut self, slot: usize) {
        if self.kind.settings.heartbeat.is_some() {
            self.watchdogs.remove(&slot);
        }
    }

    /// Completes what a restart left to wait for (see [`Restarted`]); boxed, so that the main
    /// loop's future is not as large as the wait.
    pub(super) async fn complete(&mut self, next: Restarted) -> Result<(), Stop> {
        match next? {
            None => Ok(()),
            Some((slot, waiting)) => Box::pin(self.finish_restart(slot, waiting)).await,
        }
    }

    pub(super) async fn finish_restart(
        &mut self,
        slot: usize,
        waiting: Waiting,
    ) -> Result<(), Stop> {
        match self.finish_run(slot, waiting).await {
            Ok(()) => Ok(()),
            Err(failed) => self.restart_failed(slot, failed),
        }
    }

    /// An instance's run ended by itself: OTP's `do_restart` for a dynamic child. One that is
    /// not restarted is forgotten; one that is counts toward the intensity first.
    pub(super) fn on_exit(&mut self, exit: ChildExit) -> Restarted {
        let Some(instance) = self
            .instances
            .get_mut(exit.slot)
            .filter(|i| i.serial == exit.key)
        else {
            return Ok(None);
        };
        match &instance.state {
            State::Running { run, .. } if run.generation() == exit.generation => {}
            // An exit of a run that was stopped on purpose, or already replaced.
            _ => return Ok(None),
        }
        let State::Running { task, mut run } =
            std::mem::replace(&mut instance.state, State::Restarting(None))
        else {
            return Ok(None);
        };
        let reason = Run::take_exit_reason(&mut run);
        report_exit(|| run.path().clone(), &reason, &self.events);
        if run.parked() {
            // Its task waits for the instance's next run.
            self.reaper.park(exit.slot, exit.key, task, run);
        } else {
            self.reaper.release(task);
            self.spare_run = Some(run);
        }
        self.exited(exit.slot, reason)
    }

    /// The instance at `slot`, no longer running, ended for `reason` (reported already):
    /// records it, and decides.
    #[inline]
    pub(super) fn exited(&mut self, slot: usize, reason: ExitReason) -> Restarted {
        self.unwatch(slot);
        let Some(instance) = self.instances.get_mut(slot) else {
            return Ok(None);
        };
        let restarts = instance.restart.restarts_after(&reason);
        let now = Instant::now();
        // Only a failure is recorded: a clean exit makes no history.
        if matches!(reason, ExitReason::Failed(_) | ExitReason::Killed) {
            instance.history().last_failure.record_exit(reason, now);
        }
        if !restarts {
            self.remove(slot);
            return Ok(None);
        }
        self.restart(slot, now)
    }

    /// The instance at `slot` (`serial`) missed its heartbeat in its run `generation`: it is
    /// stopped with the pool's shutdown, and its end is a failure (unresponsive), decided as
    /// any exit.
    pub(super) async fn unresponsive(
        &mut self,
        slot: usize,
        serial: u64,
        generation: u64,
    ) -> Restarted {
        let Some(instance) = self.instance(slot, serial) else {
            return Ok(None);
        };
        match &instance.state {
            State::Running { run, .. } if run.generation() == generation => {}
            _ => return Ok(None),
        }
        let State::Running { task, run } =
            std::mem::replace(&mut instance.state, State::Restarting(None))
        else {
            return Ok(None);
        };
        let interval = self.kind.settings.heartbeat.unwrap_or_default();
        let failure = Failure::new(
            FailureKind::Unresponsive,
            format!("it missed its heartbeat (every {interval:?})"),
        );
        log!(error, child = %self.instance_path(slot), %failure, "instance unresponsive: stopping it");
        self.events.emit(
            || self.instance_path(slot),
            || EventKind::Unresponsive {
                failure: failure.clone(),
            },
        );
        // Its stop is announced as it happens; its end counts as the failure.
        let shutdown = self.kind.settings.shutdown;
        StopChain::run(
            vec![StopLink {
                run,
                task,
                shutdown,
            }],
            &self.events,
        )
        .await;
        self.exited(slot, ExitReason::Failed(failure))
    }

    /// One restart of the instance at `slot`, counted toward the intensity. A failed start is
    /// tried again through the mailbox (OTP's `try_again_restart`).
    pub(super) fn restart(&mut self, slot: usize, now: Instant) -> Restarted {
        // The instance's path is written out only for an event someone receives, a log line
        // someone wants, or a failure: a restart allocates no name.
        if !self.window.add(now) {
            let cause = self
                .instances
                .get(slot)
                .and_then(|i| i.past()?.last_failure.get())
                .map(|r| r.failure);
            return Err(Stop::Failed(self.window.give_up(
                &self.path,
                &self.instance_path(slot),
                cause.as_ref(),
                &self.events,
            )));
        }
        self.events.emit(
            || self.instance_path(slot),
            || EventKind::RestartDecided {
                children: Arc::from([self.instance_path(slot)]),
            },
        );
        let Some(instance) = self.instances.get_mut(slot) else {
            return Ok(None);
        };
        let delay = self
            .delays
            .delay(&self.backoff, &mut instance.history().backoff, now);
        if !delay.is_zero() {
            let until = now + delay;
            let timer = self.delays.arm(&self.mail_tx, slot, instance.serial, until);
            instance.state = State::Restarting(Some(timer));
            let (restart, of) = self.window.used();
            log!(info, child = %self.instance_path(slot), restart, of, ?delay, "restarting after a delay");
            self.events.emit(
                || self.instance_path(slot),
                || EventKind::RestartDelayed { delay, until },
            );
            return Ok(None);
        }
        let (restart, of) = self.window.used();
        log!(info, child = %self.instance_path(slot), restart, of, "restarting");
        self.restart_now(slot)
    }

    /// The start part of a restart of the instance at `slot`, decided and counted already.
    pub(super) fn restart_now(&mut self, slot: usize) -> Restarted {
        let Some(instance) = self.instances.get_mut(slot) else {
            return Ok(None);
        };
        instance.history().restarts += 1;
        match self.begin_run(slot) {
            Ok(None) => Ok(None),
            Ok(Some(waiting)) => Ok(Some((slot, waiting))),
            Err(failed) => self.restart_failed(slot, failed).map(|()| None),
        }
    }

    /// A restart's start did not end with the instance running. A failed one is tried again
    /// through the mailbox (OTP's `try_again_restart`).
    pub(super) fn restart_failed(&mut self, slot: usize, failed: StartFailed) -> Result<(), Stop> {
        match failed {
            StartFailed::Interrupted => Err(Stop::Interrupted),
            // A restart that ignores drops the instance, as OTP's does.
            StartFailed::Ignored => {
                self.remove(slot);
                Ok(())
            }
            StartFailed::Failed(failure) => {
                let path = self.instance_path(slot);
                log!(error, child = %path, %failure, "instance failed to restart");
                self.events.emit(
                    || path.clone(),
                    || EventKind::StartFailed {
                        failure: failure.clone(),
                    },
                );
                if let Some(instance) = self.instances.get_mut(slot) {
                    instance.history().last_failure.set(failure, Instant::now());
                    let key = instance.serial;
                    let _ = self.mail_tx.send(Mail::TryAgain { slot, key });
                }
                Ok(())
            }
        }
    }

    /// A delayed restart's time has come (if it was not cancelled meanwhile).
    pub(super) fn delay_over(&mut self, slot: usize, serial: u64, ticket: u64) -> Restarted {
        match self.instance(slot, serial) {
            Some(instance) => match &instance.state {
                State::Restarting(Some(timer)) if timer.ticket == ticket => {
                    instance.state = State::Restarting(None);
                }
                _ => return Ok(None),
            },
            None => return Ok(None),
        }
        log!(info, child = %self.instance_path(slot), "restarting after its delay");
        self.restart_now(slot)
    }

    /// OTP's `try_again_restart`, ignored if the instance was terminated meanwhile.
    pub(super) fn try_again(&mut self, slot: usize, serial: u64) -> Restarted {
        match self.instance(slot, serial) {
            Some(instance) if matches!(instance.state, State::Restarting(None)) => {
                self.restart(slot, Instant::now())
            }
            _ => Ok(None),
        }
    }
}
