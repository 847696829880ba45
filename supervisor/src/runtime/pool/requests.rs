//! What a pool's handle asks of a partition (start, terminate, info, list, count), and the tree
//! handle's requests that reach the pool itself.

use super::*;

impl Pool {
    pub(super) async fn on_request(&mut self, request: PoolRequest) {
        match request {
            PoolRequest::Start {
                mut instance,
                reply,
            } => {
                let result = self.start_instance(&mut instance).await;
                let _ = reply.send(result);
            }
            PoolRequest::StartBatch {
                mut instances,
                reply,
            } => {
                let mut results = Vec::with_capacity(instances.count);
                for _ in 0..instances.count {
                    let result = if self.interrupted {
                        Err(PoolError::NotRunning {
                            path: self.path.clone(),
                        })
                    } else {
                        self.start_instance(&mut instances).await
                    };
                    results.push(result);
                }
                let _ = reply.send(results);
            }
            PoolRequest::Terminate { id, reply } => {
                let result = self.terminate(id).await;
                let _ = reply.send(result);
            }
            PoolRequest::Info { id, reply } => {
                let result = match self.find(id) {
                    Some(_) => self
                        .info(id.slot as usize)
                        .ok_or_else(|| self.not_found(id)),
                    None => Err(self.not_found(id)),
                };
                let _ = reply.send(result);
            }
            PoolRequest::List { reply } => {
                let _ = reply.send(self.list());
            }
            PoolRequest::Count { reply } => {
                let _ = reply.send(self.count());
            }
        }
    }

    /// OTP's `start_child` of a `simple_one_for_one` supervisor: a new instance, kept only if
    /// its start succeeds.
    /// Its arguments are the next of `start`'s.
    pub(super) async fn start_instance(
        &mut self,
        start: &mut InstanceStart,
    ) -> Result<InstanceId, PoolError> {
        if let Some(max) = self.max_children
            && self.instances.len() >= max
        {
            return Err(PoolError::MaxChildren {
                path: self.path.clone(),
                max,
            });
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        let slot = self.instances.insert(Instance::new(serial, start.restart));
        let kept = self.args.keep(slot, &mut *start.args);
        let started = match kept {
            Ok(()) => self.start_run(slot).await,
            Err(failure) => Err(StartFailed::Failed(failure)),
        };
        match started {
            Ok(()) => Ok(self.id(slot, serial)),
            Err(failed) => {
                let path = self.instance_path(slot);
                self.remove(slot);
                Err(match failed {
                    StartFailed::Interrupted => PoolError::NotRunning {
                        path: self.path.clone(),
                    },
                    // Nothing is stored (OTP's `{ok, undefined}`).
                    StartFailed::Ignored => PoolError::Ignored { path },
                    StartFailed::Failed(failure) => {
                        log!(error, child = %path, %failure, "instance failed to start");
                        self.events.emit(
                            || path.clone(),
                            || EventKind::StartFailed {
                                failure: failure.clone(),
                            },
                        );
                        PoolError::StartFailed { path, failure }
                    }
                })
            }
        }
    }

    /// Stops an instance with its shutdown and forgets it; also ends a restarting instance's
    /// retries. Not a restart, whatever its policy.
    pub(super) async fn terminate(&mut self, id: InstanceId) -> Result<(), PoolError> {
        let Some(instance) = self.find(id) else {
            return Err(self.not_found(id));
        };
        let state = std::mem::replace(&mut instance.state, State::Restarting(None));
        let slot = id.slot as usize;
        self.remove(slot);
        if let State::Running { task, run } = state {
            let shutdown = self.kind.settings.shutdown;
            let link = StopLink {
                run,
                task,
                shutdown,
            };
            StopChain::run(vec![link], &self.events).await;
        }
        Ok(())
    }

    pub(super) fn info(&self, slot: usize) -> Option<InstanceInfo> {
        let instance = self.instances.get(slot)?;
        Some(InstanceInfo {
            id: self.id(slot, instance.serial),
            child: ChildInfo {
                path: self.path.join(instance.serial.to_string()),
                child_type: self.kind.settings.instance_type,
                phase: match instance.state {
                    State::Running { .. } => Phase::Running,
                    State::Restarting(None) => Phase::Restarting,
                    State::Restarting(Some(ref timer)) => Phase::Delayed { until: timer.until },
                },
                restart: instance.restart,
                shutdown: self.kind.settings.shutdown,
                starts: instance.starts(),
                restart_count: instance.restarts(),
                last_failure: instance.past().and_then(|h| h.last_failure.get()),
            },
        })
    }

    pub(super) fn list(&self) -> Vec<InstanceInfo> {
        let mut slots: Vec<(u64, usize)> = self
            .instances
            .iter()
            .map(|(slot, i)| (i.serial, slot))
            .collect();
        // In start order, whatever slots they reuse.
        slots.sort_unstable();
        slots
            .into_iter()
            .filter_map(|(_, slot)| self.info(slot))
            .collect()
    }

    /// OTP's `count_children` of a `simple_one_for_one` supervisor.
    pub(super) fn count(&self) -> ChildCounts {
        let restarting = self
            .instances
            .iter()
            .filter(|(_, i)| matches!(i.state, State::Restarting(_)))
            .count();
        let len = self.instances.len();
        let (workers, supervisors) = match self.kind.settings.instance_type {
            ChildType::Worker => (len, 0),
            ChildType::Supervisor => (0, len),
        };
        ChildCounts {
            specs: 1,
            active: len - restarting,
            restarting,
            workers,
            supervisors,
        }
    }

    /// A tree handle's request routed here: the pool answers for itself; its instances are
    /// reached through the pool's handle only.
    pub(super) fn on_command(&mut self, command: Command) {
        let Command { target, depth, op } = command;
        let remaining = target.len() - depth;
        match op {
            Op::WhichChildren(reply) if remaining == 0 => {
                let _ = reply.send(Ok(self.list().into_iter().map(|i| i.child).collect()));
            }
            Op::CountChildren(reply) if remaining == 0 => {
                let _ = reply.send(Ok(self.count()));
            }
            Op::Snapshot(reply) if remaining == 0 => {
                let _ = reply.send(Ok(Local::Pool {
                    settings: self.kind.settings,
                    instances: self.list(),
                }));
            }
            op => {
                let path = target
                    .segments()
                    .skip(depth)
                    .fold(self.path.clone(), |path, name| path.join(name));
                op.fail(ChildError::PoolInstance { path });
            }
        }
    }

    pub(super) fn not_found(&self, id: InstanceId) -> PoolError {
        PoolError::NotFound {
            path: self.path.clone(),
            id,
        }
    }
}
