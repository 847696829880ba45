//! The handle's requests, as OTP's `handle_call`: which_children, count_children, start_child,
//! restart_child, terminate_child, delete_child, a child's info, and the routing of a request
//! to the nested supervisor on its path.

use super::{Running, State, Supervisor};
use crate::error::{ChildError, SpecError, StartError};
use crate::event::EventKind;
use crate::handle::ChildCounts;
use crate::path::ChildRef;
use crate::pool::PoolAccess;
use crate::runtime::Stop;
use crate::runtime::command::{Command, Mail, Op};
use crate::runtime::log::log;
use crate::snapshot::Local;
use crate::spec::{AutoShutdown, ChildKind, ChildSpec, ChildType, Restart, check_name};

impl Supervisor {
    pub(super) async fn on_command(&mut self, command: Command) -> Result<(), Stop> {
        let Command { target, depth, op } = command;
        let remaining = target.len() - depth;
        let here = if op.targets_supervisor() { 0 } else { 1 };
        if remaining < here {
            op.fail(ChildError::NotFound {
                path: self.path.clone(),
            });
            return Ok(());
        }
        if remaining > here {
            self.forward(Command { target, depth, op });
            return Ok(());
        }
        match op {
            Op::WhichChildren(reply) => {
                let _ = reply.send(Ok(self
                    .live()
                    .map(|(i, c)| c.info(&self.specs[i], &self.path))
                    .collect()));
            }
            Op::CountChildren(reply) => {
                let _ = reply.send(Ok(self.count()));
            }
            Op::Inject(failure, reply) => {
                let i = match self.find(&target, depth) {
                    Ok(i) => i,
                    Err(e) => {
                        let _ = reply.send(Err(e));
                        return Ok(());
                    }
                };
                if !matches!(self.children[i].state, State::Running(_)) {
                    let _ = reply.send(Err(ChildError::NotRunning {
                        path: self.child_path(i),
                    }));
                    return Ok(());
                }
                let pending = self.crash(i, failure).await;
                let result = match pending {
                    Ok(pending) => self.finish_restart(pending).await,
                    Err(stop) => Err(stop),
                };
                let _ = reply.send(Ok(()));
                return result;
            }
            Op::Snapshot(reply) => {
                let children = self
                    .live()
                    .map(|(i, c)| {
                        let mailbox = match &c.state {
                            State::Running(Running { run, .. })
                                if self.specs[i].child_type() == ChildType::Supervisor =>
                            {
                                run.mailbox().cloned()
                            }
                            _ => None,
                        };
                        (c.info(&self.specs[i], &self.path), mailbox)
                    })
                    .collect();
                let _ = reply.send(Ok(Local::Supervisor {
                    strategy: self.strategy,
                    intensity: self.window.intensity(),
                    restarts_in_period: self.window.count_at(tokio::time::Instant::now()),
                    children,
                }));
            }
            Op::StartChild(spec, reply) => {
                let result = self.start_new_child(*spec).await;
                let _ = reply.send(result);
            }
            Op::Info(reply) => {
                let result = self
                    .find(&target, depth)
                    .map(|i| self.children[i].info(&self.specs[i], &self.path));
                let _ = reply.send(result);
            }
            Op::Restart(reply) => {
                let result = self.restart_child(&target, depth).await;
                let _ = reply.send(result);
            }
            Op::Terminate(reply) => {
                let result = match self.find(&target, depth) {
                    Ok(i) => {
                        self.stop([i]).await;
                        self.children[i].state = State::Stopped;
                        if self.specs[i].restart == Restart::Temporary {
                            self.remove(i);
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
            Op::Pool(reply) => {
                let result = self.find(&target, depth).and_then(|i| {
                    let path = self.child_path(i);
                    match &self.specs[i].kind {
                        ChildKind::Pool(pool) => Ok(PoolAccess {
                            path,
                            kind: pool.kind.clone(),
                        }),
                        _ => Err(ChildError::NotAPool { path }),
                    }
                });
                let _ = reply.send(result);
            }
            Op::Spec(reply) => {
                let result = self
                    .find(&target, depth)
                    .map(|i| self.specs[i].describe(self.child_path(i), &self.backoff));
                let _ = reply.send(result);
            }
            Op::Delete(reply) => {
                let result = self.find(&target, depth).and_then(|i| {
                    let child = &self.children[i];
                    let spec = &self.specs[i];
                    match child.state {
                        State::Running(_) => Err(ChildError::Running {
                            path: self.path.join(&spec.name),
                        }),
                        State::Restarting | State::Delayed(_) => Err(ChildError::Restarting {
                            path: self.path.join(&spec.name),
                        }),
                        State::Stopped | State::Paused | State::Quarantined => {
                            self.remove(i);
                            Ok(())
                        }
                        // Not found by name: never reached.
                        State::Removed => Err(ChildError::NotFound {
                            path: self.path.join(&spec.name),
                        }),
                    }
                });
                let _ = reply.send(result);
            }
            Op::Pause(reply) => {
                let result = match self.find(&target, depth) {
                    Ok(i) => self.pause(i).await,
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
            Op::Resume(reply) => {
                let result = match self.find(&target, depth) {
                    Ok(i) => self.resume(i).await,
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
        }
        Ok(())
    }

    /// The index of the child named by `target[depth]`.
    fn find(&mut self, target: &ChildRef, depth: usize) -> Result<usize, ChildError> {
        let name = target.segment(depth).map(|s| &**s).unwrap_or("");
        self.index_of(name).ok_or_else(|| ChildError::NotFound {
            path: self.path.join(name),
        })
    }

    /// Passes a command on to the nested supervisor on its path.
    fn forward(&mut self, command: Command) {
        let i = match self.find(&command.target, command.depth) {
            Ok(i) => i,
            Err(e) => return command.op.fail(e),
        };
        let child = &self.children[i];
        let spec = &self.specs[i];
        if spec.child_type() != ChildType::Supervisor {
            return command.op.fail(ChildError::NotASupervisor {
                path: self.path.join(&spec.name),
            });
        }
        let State::Running(Running { run, .. }) = &child.state else {
            return command.op.fail(ChildError::SupervisorNotRunning {
                path: self.path.join(&spec.name),
            });
        };
        let Some(commands) = run.mailbox() else {
            return command.op.fail(ChildError::SupervisorNotRunning {
                path: self.path.join(&spec.name),
            });
        };
        let forwarded = Command {
            depth: command.depth + 1,
            ..command
        };
        if let Err(Mail::Command(lost)) = commands.send(Mail::Command(forwarded)) {
            lost.op.fail(ChildError::SupervisorNotRunning {
                path: self.path.join(&spec.name),
            });
        }
    }

    fn count(&self) -> ChildCounts {
        let mut counts = ChildCounts {
            specs: self.children.len() - self.removed,
            ..ChildCounts::default()
        };
        for (i, child) in self.live() {
            match self.specs[i].child_type() {
                ChildType::Worker => counts.workers += 1,
                ChildType::Supervisor => counts.supervisors += 1,
            }
            match child.state {
                State::Running(_) => counts.active += 1,
                State::Restarting | State::Delayed(_) => counts.restarting += 1,
                State::Stopped | State::Removed | State::Paused | State::Quarantined => {}
            }
        }
        counts
    }

    /// OTP's `restart_child`: starts a stopped child; not counted toward the intensity.
    async fn restart_child(&mut self, target: &ChildRef, depth: usize) -> Result<(), ChildError> {
        let i = self.find(target, depth)?;
        let child = &self.children[i];
        let spec = &self.specs[i];
        match child.state {
            State::Running(_) => Err(ChildError::Running {
                path: self.path.join(&spec.name),
            }),
            State::Restarting | State::Delayed(_) => Err(ChildError::Restarting {
                path: self.path.join(&spec.name),
            }),
            // A paused or quarantined child is started as by `resume`.
            State::Stopped | State::Paused | State::Quarantined => {
                self.start(i).await.map_err(|e| self.start_error(i, e))
            }
            // Not found by name: never reached.
            State::Removed => Err(ChildError::NotFound {
                path: self.path.join(&spec.name),
            }),
        }
    }

    /// Stops child `i` with its shutdown and keeps it stopped, not restarted (not even with
    /// its group), until `resume`. Its stop is no exit of its own: not counted toward the
    /// intensity, never a trigger of auto-shutdown.
    async fn pause(&mut self, i: usize) -> Result<(), ChildError> {
        if self.specs[i].restart == Restart::Temporary {
            return Err(ChildError::Temporary {
                path: self.child_path(i),
            });
        }
        self.stop([i]).await;
        // Whatever it was doing: running (stopped now), waiting for a restart (cancelled).
        self.children[i].state = State::Paused;
        log!(info, child = %self.child_path(i), "child paused");
        self.events
            .emit(|| self.child_path(i), || EventKind::Paused);
        Ok(())
    }

    /// Starts a paused or quarantined child again; not counted toward the intensity.
    async fn resume(&mut self, i: usize) -> Result<(), ChildError> {
        if !matches!(self.children[i].state, State::Paused | State::Quarantined) {
            return Err(ChildError::NotPaused {
                path: self.child_path(i),
            });
        }
        self.children[i].quarantine = None;
        log!(info, child = %self.child_path(i), "child resumed");
        self.events
            .emit(|| self.child_path(i), || EventKind::Resumed);
        self.start(i).await.map_err(|e| self.start_error(i, e))
    }

    fn start_error(&self, i: usize, error: StartError) -> ChildError {
        match error {
            StartError::ChildFailed { failure, .. } => ChildError::StartFailed {
                path: self.child_path(i),
                failure,
            },
            StartError::Spec(e) => ChildError::Spec(e),
            StartError::Interrupted { path } => ChildError::SupervisorNotRunning { path },
        }
    }

    /// OTP's `start_child`: adds a spec last in start order and starts it; a failed start
    /// discards the spec.
    async fn start_new_child(&mut self, spec: ChildSpec) -> Result<(), ChildError> {
        let path = self.path.join(&spec.name);
        check_name(&spec.name, || path.clone())?;
        if let Some(i) = self.index_of(&spec.name) {
            return Err(match self.children[i].state {
                State::Running(_) => ChildError::AlreadyStarted { path },
                _ => ChildError::AlreadyPresent { path },
            });
        }
        spec.validate(&path)?;
        if spec.is_significant() && self.auto_shutdown == AutoShutdown::Never {
            return Err(ChildError::Spec(SpecError::BadCombination {
                path,
                reason: "a significant child needs a supervisor with auto_shutdown any_significant or all_significant: set it, or make the child not significant",
            }));
        }
        let i = self.push(spec);
        match self.start(i).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = self.start_error(i, error);
                self.remove(i);
                Err(error)
            }
        }
    }
}
