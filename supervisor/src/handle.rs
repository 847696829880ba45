//! A running tree: [`Tree`] owns it, [`TreeHandle`] talks to it, and [`ChildInfo`] /
//! [`ChildCounts`] describe its children.

use std::marker::PhantomData;
use std::ops::Deref;

use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::runtime::run::Run;

use crate::error::{ChildError, TreeError};
use crate::event::{EventBus, EventStream};
use crate::exit::{ExitReason, Failure};
use crate::path::{ChildKey, ChildPath, ChildRef, InstancePath};
use crate::pool::{PoolHandle, PoolKey};
use crate::runtime::RootEnd;
use crate::runtime::command::{Command, Mail, Op, Reply};
use crate::runtime::mailbox::MailSender;
use crate::snapshot::{self, Node, Snapshot};
use crate::spec::{ChildSpec, ChildType, Restart, Shutdown, SpecInfo};

/// Where a child is in its life, as its supervisor sees it.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Its task is running (a worker with an init phase: init has finished).
    Running,
    /// A restart of it failed; the supervisor will try again.
    Restarting,
    /// Its restart is decided and waits for its backoff delay.
    Delayed {
        /// When it restarts (tokio's clock).
        #[cfg_attr(feature = "serde", serde(with = "crate::snapshot::instant"))]
        until: Instant,
    },
    /// Stopped by [`TreeHandle::pause`] and kept so, not even restarted with its group, until
    /// [`TreeHandle::resume`].
    Paused,
    /// Taken out of automatic restart after more restarts of its own than its quarantine
    /// allows (see [`ChildSpec::quarantine`]), until [`TreeHandle::resume`].
    Quarantined,
    /// Not running: terminated, or ended and not restarted (a transient child's normal exit).
    Stopped,
}

/// The last failure of a child, and when it happened.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureRecord {
    /// What went wrong.
    pub failure: Failure,
    /// When (tokio's clock).
    #[cfg_attr(feature = "serde", serde(with = "crate::snapshot::instant"))]
    pub at: Instant,
}

/// A snapshot of one child (OTP's `which_children` entry, with more).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    /// The full path, e.g. `app/web/acceptor`.
    pub path: ChildPath,
    /// Worker or supervisor.
    pub child_type: ChildType,
    /// Running, restarting or stopped.
    pub phase: Phase,
    /// Its restart policy.
    pub restart: Restart,
    /// How it is stopped.
    pub shutdown: Shutdown,
    /// How many times it has been started (the current run's generation is one less).
    pub starts: u64,
    /// How many times its supervisor restarted it after an exit.
    pub restart_count: u64,
    /// Its last failure, if any.
    pub last_failure: Option<FailureRecord>,
}

impl ChildInfo {
    /// The child as the typed key of its tree; `None` for a pool's instance, which
    /// [`instance`](Self::instance) names.
    pub fn child<K: ChildKey>(&self) -> Option<K> {
        let segments: Vec<&str> = self.path.segments().skip(1).collect();
        K::from_segments(&segments)
    }

    /// The generation of its current (or last) run, `0` for the first: what the run's
    /// [`Context::generation`](crate::Context::generation) and its events say; `None` if it
    /// never started.
    pub fn generation(&self) -> Option<u64> {
        self.starts.checked_sub(1)
    }

    /// If the child is a pool's instance, its pool as the typed key of its tree and its place
    /// in the pool (see [`ChildPath::instance_of`]): a child started at run time, named as
    /// typed as a declared one.
    pub fn instance<K: ChildKey>(&self) -> Option<InstancePath<K>> {
        self.path.instance_of()
    }
}

/// How many children a supervisor has (OTP's `count_children`).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    /// All children with a spec.
    pub specs: usize,
    /// Children whose task is running.
    pub active: usize,
    /// Children waiting for a restart that failed to be tried again (counted in `workers` or
    /// `supervisors`, not in `active`).
    pub restarting: usize,
    /// Children that are supervisors.
    pub supervisors: usize,
    /// Children that are workers.
    pub workers: usize,
}

/// Talks to a running tree: asks about its children, restarts, terminates, deletes and adds
/// them, and subscribes to its events. Cheap to clone; every call names children by `K`, the
/// tree's key type (the generated child enum of a declared tree, [`ChildRef`] otherwise).
pub struct TreeHandle<K = ChildRef> {
    path: ChildPath,
    cmd: MailSender,
    /// The root supervisor's run, which a shutdown request asks to stop.
    root: Arc<Run>,
    events: EventBus,
    _key: PhantomData<fn(K) -> K>,
}

impl<K> Clone for TreeHandle<K> {
    fn clone(&self) -> Self {
        TreeHandle {
            path: self.path.clone(),
            cmd: self.cmd.clone(),
            root: self.root.clone(),
            events: self.events.clone(),
            _key: PhantomData,
        }
    }
}

impl<K> std::fmt::Debug for TreeHandle<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeHandle")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<K: ChildKey> TreeHandle<K> {
    /// The root supervisor's path (its name).
    pub fn path(&self) -> &ChildPath {
        &self.path
    }

    pub(crate) async fn ask<T>(
        &self,
        target: ChildRef,
        op: impl FnOnce(Reply<T>) -> Op,
    ) -> Result<T, ChildError> {
        ask(&self.cmd, &self.path, target, op).await
    }

    fn root() -> ChildRef {
        ChildRef::from_segments(std::iter::empty::<&str>())
    }

    /// The root's children in start order (OTP lists newest first; we list oldest first).
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, ChildError> {
        self.ask(Self::root(), Op::WhichChildren).await
    }

    /// The children of the nested supervisor `supervisor`, in start order.
    pub async fn which_children_of(&self, supervisor: K) -> Result<Vec<ChildInfo>, ChildError> {
        self.ask(supervisor.to_ref(), Op::WhichChildren).await
    }

    /// Counts the root's children.
    pub async fn count_children(&self) -> Result<ChildCounts, ChildError> {
        self.ask(Self::root(), Op::CountChildren).await
    }

    /// Counts the children of the nested supervisor `supervisor`.
    pub async fn count_children_of(&self, supervisor: K) -> Result<ChildCounts, ChildError> {
        self.ask(supervisor.to_ref(), Op::CountChildren).await
    }

    /// The current state of one child.
    pub async fn child(&self, child: K) -> Result<ChildInfo, ChildError> {
        self.ask(child.to_ref(), Op::Info).await
    }

    /// A child's spec as data, every default filled in (OTP's `get_childspec`).
    pub async fn child_spec(&self, child: K) -> Result<SpecInfo, ChildError> {
        self.ask(child.to_ref(), Op::Spec).await
    }

    /// Starts a stopped child again (OTP's `restart_child`). Fails with
    /// [`ChildError::Running`] or [`ChildError::Restarting`] if it is not stopped. Does not
    /// count toward the supervisor's intensity.
    pub async fn restart_child(&self, child: K) -> Result<(), ChildError> {
        self.ask(child.to_ref(), Op::Restart).await
    }

    /// Stops a child with its shutdown spec and keeps its spec, stopped; a temporary child's
    /// spec is deleted (OTP's `terminate_child`). Also ends a restarting child's retries.
    pub async fn terminate_child(&self, child: K) -> Result<(), ChildError> {
        self.ask(child.to_ref(), Op::Terminate).await
    }

    /// Stops a child with its shutdown and keeps it stopped: not restarted, not even with its
    /// group under `one_for_all` or `rest_for_one`, not counted as active, and no trigger of
    /// auto-shutdown or intensity, until [`resume`](Self::resume). A temporary child cannot be
    /// paused ([`ChildError::Temporary`]).
    pub async fn pause(&self, child: K) -> Result<(), ChildError> {
        self.ask(child.to_ref(), Op::Pause).await
    }

    /// Starts a paused or quarantined child again (not counted toward the intensity); fails
    /// with [`ChildError::NotPaused`] otherwise.
    pub async fn resume(&self, child: K) -> Result<(), ChildError> {
        self.ask(child.to_ref(), Op::Resume).await
    }

    /// Deletes the spec of a stopped child (OTP's `delete_child`).
    pub async fn delete_child(&self, child: K) -> Result<(), ChildError> {
        self.ask(child.to_ref(), Op::Delete).await
    }

    /// Adds a child to the root and starts it, last in start order (OTP's `start_child`).
    pub async fn start_child(&self, spec: ChildSpec) -> Result<(), ChildError> {
        self.ask(Self::root(), |r| Op::StartChild(Box::new(spec), r))
            .await
    }

    /// Adds a child to the nested supervisor `supervisor` and starts it, last in start order.
    pub async fn start_child_under(
        &self,
        supervisor: K,
        spec: ChildSpec,
    ) -> Result<(), ChildError> {
        self.ask(supervisor.to_ref(), |r| Op::StartChild(Box::new(spec), r))
            .await
    }

    /// The typed handle of a pool of the tree: it starts, terminates, lists and counts the
    /// pool's instances. `supervision_tree!` generates the key of each pool (`App::CONNS`).
    pub async fn pool<A: Send + 'static>(
        &self,
        pool: PoolKey<K, A>,
    ) -> Result<PoolHandle<A>, ChildError> {
        let access = self.ask(pool.key().to_ref(), Op::Pool).await?;
        PoolHandle::from_access(access)
    }

    /// The whole tree as data at this moment (see [`Snapshot`]): each supervisor answers for
    /// its own children, in turn, so the tree goes on restarting children meanwhile.
    pub async fn snapshot(&self) -> Result<Snapshot, ChildError> {
        match snapshot::collect(self.cmd.clone(), self.path.clone()).await? {
            Node::Supervisor(root) => Ok(Snapshot {
                root,
                journal: self.events.journal(),
            }),
            // Not reached: the root is a supervisor.
            _ => Err(ChildError::SupervisorNotRunning {
                path: self.path.clone(),
            }),
        }
    }

    /// The tree's readiness, as a watch any task can await (`wait_for(|ready| *ready)`): true
    /// once the root has started every child (each init phase finished, each worker that
    /// signals readiness ready), false again once the tree begins to shut down. A health
    /// endpoint or a process supervisor reads it.
    pub fn readiness(&self) -> tokio::sync::watch::Receiver<bool> {
        self.events.readiness()
    }

    /// Subscribes to the tree's events from now on. The stream ends (with
    /// [`RecvError::Closed`](crate::RecvError::Closed)) after the tree's last event,
    /// [`EventKind::TreeEnded`](crate::EventKind::TreeEnded); taken after that, it ends at once.
    pub fn subscribe(&self) -> EventStream {
        self.events.subscribe()
    }

    /// Asks the tree to shut down, without waiting; [`Tree::join`] tells when it has.
    pub fn request_shutdown(&self) {
        self.root.request_stop();
    }
}

/// Sends `op` about `target` to the root supervisor at `path`, whose mailbox is `root`, and
/// waits for the answer.
pub(crate) async fn ask<T>(
    root: &MailSender,
    path: &ChildPath,
    target: ChildRef,
    op: impl FnOnce(Reply<T>) -> Op,
) -> Result<T, ChildError> {
    let (tx, rx) = oneshot::channel();
    let command = Command {
        target,
        depth: 0,
        op: op(tx),
    };
    let gone = || ChildError::SupervisorNotRunning { path: path.clone() };
    root.send(Mail::Command(command)).map_err(|_| gone())?;
    rx.await.map_err(|_| gone())?
}

/// A running tree, owned: the only way to wait for its end. Every [`TreeHandle`] call is
/// available on it too.
///
/// Dropping a `Tree` asks the tree to shut down (gracefully, in the background), so a tree never
/// outlives its owner by accident.
pub struct Tree<K = ChildRef> {
    handle: TreeHandle<K>,
    task: Option<JoinHandle<RootEnd>>,
}

impl<K: ChildKey> Tree<K> {
    pub(crate) fn new(
        path: ChildPath,
        cmd: MailSender,
        root: Arc<Run>,
        events: EventBus,
        task: JoinHandle<RootEnd>,
    ) -> Self {
        Tree {
            handle: TreeHandle {
                path,
                cmd,
                root,
                events,
                _key: PhantomData,
            },
            task: Some(task),
        }
    }

    /// Aborts the root's task (and with it every task of the tree), for a forced stop.
    #[cfg(all(feature = "process", unix))]
    pub(crate) fn abort_handle(&self) -> Option<tokio::task::AbortHandle> {
        self.task.as_ref().map(JoinHandle::abort_handle)
    }

    /// A cloneable handle to the tree.
    pub fn handle(&self) -> TreeHandle<K> {
        self.handle.clone()
    }

    /// The same tree, named by another key type (what `supervision_tree!` uses to type its
    /// trees).
    pub fn with_keys<K2: ChildKey>(mut self) -> Tree<K2> {
        let handle = TreeHandle {
            path: self.handle.path.clone(),
            cmd: self.handle.cmd.clone(),
            root: self.handle.root.clone(),
            events: self.handle.events.clone(),
            _key: PhantomData,
        };
        Tree {
            handle,
            task: self.task.take(),
        }
    }

    /// Shuts the whole tree down, children in reverse start order, and waits until every child
    /// of it has ended: its worker returned (or was aborted after its shutdown timeout) and was
    /// dropped. tokio may take a moment more to retire the finished tasks themselves.
    pub async fn shutdown(self) -> Result<(), TreeError> {
        self.handle.root.request_stop();
        self.join().await
    }

    /// Waits until the tree ends: `Ok` after a requested shutdown, `Err` when the root failed
    /// (its intensity was exceeded). When it returns, no worker of the tree is running.
    pub async fn join(mut self) -> Result<(), TreeError> {
        let path = self.handle.path.clone();
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        match task.await {
            Ok(RootEnd::Ended(
                ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_),
            )) => Ok(()),
            Ok(RootEnd::Ended(ExitReason::Failed(failure))) => {
                Err(TreeError::Failed { path, failure })
            }
            Ok(RootEnd::Panicked(panic)) => Err(TreeError::Aborted {
                path,
                reason: format!("the root supervisor's task {panic}"),
            }),
            Ok(RootEnd::Ended(ExitReason::Killed)) | Err(_) => Err(TreeError::Aborted {
                path,
                reason: "the root supervisor's task was aborted".to_owned(),
            }),
        }
    }
}

impl<K> std::fmt::Debug for Tree<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("path", &self.handle.path)
            .finish_non_exhaustive()
    }
}

impl<K> Deref for Tree<K> {
    type Target = TreeHandle<K>;

    fn deref(&self) -> &TreeHandle<K> {
        &self.handle
    }
}

impl<K> Drop for Tree<K> {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.handle.root.request_stop();
        }
    }
}
