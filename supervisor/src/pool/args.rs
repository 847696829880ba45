//! What a pool keeps of its instances' start arguments: one typed store per partition, made by
//! the pool's template, whose slots are the partition's instance slots. A worker's arguments
//! are the worker value itself, kept inline in the store's table (not in an allocation of its
//! own) and cloned for each run; a pool of supervisors keeps the spec made from each instance's
//! arguments.

use std::any::Any;
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::event::EventBus;
use crate::exit::{Failure, FailureKind};
use crate::runtime::child::{self, SpawnArgs, TaskHandle};
use crate::runtime::launch::{self, Launched};
use crate::runtime::run::Run;
use crate::runtime::slots::Slots;
use crate::runtime::worker_start::launch_value;
use crate::spec::{ChildKind, SupervisorSpec};
use crate::worker::Worker;

/// How the instances of a pool start: the template makes each partition's store of their
/// arguments.
pub(crate) trait Template<A>: Send + Sync {
    fn store(&self) -> Box<dyn ArgStore>;
}

/// What a partition keeps of its instances' start arguments, typed (one per partition, made by
/// the pool's template), so that an instance's arguments sit in a table rather than in an
/// allocation of their own. Its slots are the partition's instance slots.
pub(crate) trait ArgStore: Send {
    /// Moves the next arguments out of `from` (a request's [`StartArgs`]) to `slot`.
    fn keep(&mut self, slot: usize, from: &mut (dyn Any + Send)) -> Result<(), Failure>;

    /// Starts a run of the instance at `slot`: from a clone of its arguments, or (`once`: a
    /// temporary instance, never restarted) from the arguments themselves, which are not kept
    /// (OTP keeps no start arguments for a temporary child).
    /// `parked`: the parked task of the instance's previous run (see `launch::launch`).
    fn launch(
        &mut self,
        slot: usize,
        once: bool,
        args: SpawnArgs,
        run: &Arc<Run>,
        events: &EventBus,
        parked: &mut Option<TaskHandle>,
    ) -> Launched;

    /// Drops the arguments of `slot`.
    fn forget(&mut self, slot: usize);
}

/// How kept arguments are cloned for each run: `A::clone`, as a function pointer, since the
/// store is made where `A` need not be `Clone` (a pool started only with temporary instances).
pub(crate) type Cloner<A> = fn(&A) -> A;

/// Start arguments sent to a partition: one instance's, or a batch's chunk, in order; with how
/// to clone them for a restart (`None` for temporary instances, whose arguments are used once).
pub(crate) struct StartArgs<A> {
    pub(crate) args: VecDeque<A>,
    pub(crate) clone: Option<Cloner<A>>,
}

impl<A: 'static> StartArgs<A> {
    /// The next arguments of a request (`from`, a `StartArgs<A>`), with how to clone them.
    fn next(from: &mut (dyn Any + Send)) -> Result<(A, Option<Cloner<A>>), Failure> {
        let from = from.downcast_mut::<StartArgs<A>>().ok_or_else(not_kept)?;
        let args = from.args.pop_front().ok_or_else(not_kept)?;
        Ok((args, from.clone))
    }
}

fn not_kept() -> Failure {
    Failure::new(
        FailureKind::StartFailed,
        "its start arguments are not kept (a temporary instance is started once)",
    )
}

pub(super) struct WorkerTemplate<W>(pub(super) PhantomData<fn(W) -> W>);

impl<W: Worker> Template<W> for WorkerTemplate<W> {
    fn store(&self) -> Box<dyn ArgStore> {
        Box::new(WorkerArgs::<W> {
            table: Slots::default(),
            clone: None,
        })
    }
}

/// The arguments of a pool of workers: the worker values themselves.
struct WorkerArgs<W> {
    table: Slots<W>,
    clone: Option<Cloner<W>>,
}

impl<W: Worker> ArgStore for WorkerArgs<W> {
    fn keep(&mut self, slot: usize, from: &mut (dyn Any + Send)) -> Result<(), Failure> {
        let (args, clone) = StartArgs::<W>::next(from)?;
        if clone.is_some() {
            self.clone = clone;
        }
        self.table.put(slot, args);
        Ok(())
    }

    fn launch(
        &mut self,
        slot: usize,
        once: bool,
        args: SpawnArgs,
        run: &Arc<Run>,
        events: &EventBus,
        parked: &mut Option<TaskHandle>,
    ) -> Launched {
        let worker = if once {
            self.table.take(slot).map(Ok)
        } else {
            match (self.table.get(slot), self.clone) {
                // A panic in the arguments' `Clone` is a failed start, as a factory's is.
                (Some(kept), Some(clone)) => Some(child::caught(|| clone(kept))),
                _ => None,
            }
        };
        match worker {
            Some(Ok(worker)) => launch_value(worker, args, run, events, parked),
            Some(Err(failure)) => Launched::Failed(failure),
            None => Launched::Failed(not_kept()),
        }
    }

    fn forget(&mut self, slot: usize) {
        self.table.take(slot);
    }
}

pub(super) struct SupervisorTemplate<F, A>(pub(super) Arc<F>, pub(super) PhantomData<fn(A)>);

impl<A: Send + 'static, F> Template<A> for SupervisorTemplate<F, A>
where
    F: Fn(A) -> SupervisorSpec + Send + Sync + 'static,
{
    fn store(&self) -> Box<dyn ArgStore> {
        Box::new(SupervisorArgs::<F, A> {
            make: self.0.clone(),
            table: Slots::default(),
            _args: PhantomData,
        })
    }
}

/// The arguments of a pool of supervisors: each instance's spec, made from its arguments once.
struct SupervisorArgs<F, A> {
    make: Arc<F>,
    table: Slots<ChildKind>,
    _args: PhantomData<fn(A)>,
}

impl<A: Send + 'static, F> ArgStore for SupervisorArgs<F, A>
where
    F: Fn(A) -> SupervisorSpec + Send + Sync + 'static,
{
    fn keep(&mut self, slot: usize, from: &mut (dyn Any + Send)) -> Result<(), Failure> {
        let (args, _) = StartArgs::<A>::next(from)?;
        // The user's function runs in the pool's task: its panic is this instance's failed
        // start, not the pool's.
        let spec = child::caught(|| (self.make)(args))?;
        self.table.put(slot, ChildKind::Supervisor(Box::new(spec)));
        Ok(())
    }

    fn launch(
        &mut self,
        slot: usize,
        once: bool,
        args: SpawnArgs,
        run: &Arc<Run>,
        events: &EventBus,
        parked: &mut Option<TaskHandle>,
    ) -> Launched {
        let Some(kind) = self.table.get(slot) else {
            return Launched::Failed(not_kept());
        };
        let launched = launch::launch(kind, args, run, events, parked);
        if once {
            self.table.take(slot);
        }
        launched
    }

    fn forget(&mut self, slot: usize) {
        self.table.take(slot);
    }
}
