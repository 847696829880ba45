//! What a tree's handle asks of its supervisors, routed down the tree by path.

use tokio::sync::oneshot;

use super::child::ChildExit;
use crate::error::ChildError;
use crate::handle::{ChildCounts, ChildInfo};
use crate::path::ChildRef;
use crate::pool::{InstanceId, InstanceInfo, PoolAccess, PoolError};
use crate::snapshot::Local;
use crate::spec::{ChildSpec, Restart, SpecInfo};

pub(crate) type Reply<T> = oneshot::Sender<Result<T, ChildError>>;

/// What arrives in a supervisor's mailbox.
pub(crate) enum Mail {
    /// A request from a handle.
    Command(Command),
    /// A child ended by itself.
    Exited(ChildExit),
    /// Try a failed restart again (OTP's `try_again_restart`), sent by the supervisor to
    /// itself so that the messages already queued come first.
    TryAgain { slot: usize, key: u64 },
    /// A restart's delay is over (see `delay`); `ticket` tells which timer.
    Delayed { slot: usize, key: u64, ticket: u64 },
    /// A run missed its heartbeat (see `watchdog`).
    Unresponsive {
        slot: usize,
        key: u64,
        generation: u64,
    },
    /// The supervisor is asked to shut down.
    Stop,
    /// A request from a pool's handle, to the pool (or partition) itself.
    Pool(PoolRequest),
}

/// What a pool's handle asks of one partition.
pub(crate) enum PoolRequest {
    Start {
        instance: InstanceStart,
        reply: oneshot::Sender<Result<InstanceId, PoolError>>,
    },
    /// Starts `instances.count` instances, in order.
    StartBatch {
        instances: InstanceStart,
        reply: oneshot::Sender<Vec<Result<InstanceId, PoolError>>>,
    },
    Terminate {
        id: InstanceId,
        reply: oneshot::Sender<Result<(), PoolError>>,
    },
    Info {
        id: InstanceId,
        reply: oneshot::Sender<Result<InstanceInfo, PoolError>>,
    },
    List {
        reply: oneshot::Sender<Vec<InstanceInfo>>,
    },
    Count {
        reply: oneshot::Sender<ChildCounts>,
    },
}

/// Instances to start, with their restart policy: their arguments, boxed once for the whole
/// request (a `pool::StartArgs<A>`: one instance's, or a batch chunk's), which the partition's
/// typed store takes them out of, so that the pool is not generic over them.
pub(crate) struct InstanceStart {
    pub(crate) args: Box<dyn std::any::Any + Send>,
    pub(crate) count: usize,
    pub(crate) restart: Restart,
}

/// A request travelling down the tree: `target` is relative to the root, and `depth` is how many
/// of its segments the supervisors above have already consumed.
pub(crate) struct Command {
    pub(crate) target: ChildRef,
    pub(crate) depth: usize,
    pub(crate) op: Op,
}

pub(crate) enum Op {
    // Aimed at a supervisor (the target is the supervisor; empty for the root).
    WhichChildren(Reply<Vec<ChildInfo>>),
    CountChildren(Reply<ChildCounts>),
    StartChild(Box<ChildSpec>, Reply<()>),
    // Aimed at a child.
    Info(Reply<ChildInfo>),
    Restart(Reply<()>),
    Terminate(Reply<()>),
    Delete(Reply<()>),
    /// The typed handle of a pool child.
    Pool(Reply<PoolAccess>),
    /// A child's spec as data (OTP's `get_childspec`).
    Spec(Reply<SpecInfo>),
    Pause(Reply<()>),
    Resume(Reply<()>),
    /// Make a running child crash with this failure (the testing kit).
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    Inject(crate::exit::Failure, Reply<()>),
    /// Aimed at a supervisor or pool: itself and its children as data.
    Snapshot(Reply<Local>),
}

impl Op {
    pub(crate) fn targets_supervisor(&self) -> bool {
        matches!(
            self,
            Op::WhichChildren(_) | Op::CountChildren(_) | Op::StartChild(..) | Op::Snapshot(_)
        )
    }

    /// Answers the request with an error.
    pub(crate) fn fail(self, error: ChildError) {
        match self {
            Op::WhichChildren(r) => drop(r.send(Err(error))),
            Op::CountChildren(r) => drop(r.send(Err(error))),
            Op::Info(r) => drop(r.send(Err(error))),
            Op::StartChild(_, r)
            | Op::Restart(r)
            | Op::Terminate(r)
            | Op::Delete(r)
            | Op::Pause(r)
            | Op::Resume(r)
            | Op::Inject(_, r) => drop(r.send(Err(error))),
            Op::Pool(r) => drop(r.send(Err(error))),
            Op::Spec(r) => drop(r.send(Err(error))),
            Op::Snapshot(r) => drop(r.send(Err(error))),
        }
    }
}
