//! The [`Worker`] trait that supervised children implement, and the [`Context`] each run gets.

use std::future::Future;
use std::sync::Arc;

use crate::error::ChildError;
use crate::handle::ask;
use crate::path::{ChildKey, ChildPath};
use crate::pool::{PoolHandle, PoolKey};
use crate::runtime::command::Op;
use crate::runtime::run::Run;
use crate::spec::{Restart, Shutdown};
use tokio_util::sync::CancellationToken;

/// The error a worker may return: any error type.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a worker's `init` and `run` return: `Ok(())` is a normal exit, `Err` an abnormal one.
pub type WorkerResult = Result<(), BoxError>;

/// What a worker's [`init`](Worker::init) returns, as `Err(Ignore.into())`, to decide not to
/// run at all (OTP's `ignore`: a feature switched off by configuration, say). The child is then
/// kept as not running (phase [`Stopped`](crate::Phase::Stopped); a temporary child is
/// dropped), which is no failure, and the supervisor goes on with the next sibling; a pool
/// keeps nothing and its `start` says [`PoolError::Ignored`](crate::PoolError::Ignored).
///
/// ```
/// use supervisor::{Context, Ignore, Worker, WorkerResult};
///
/// struct Metrics { enabled: bool }
///
/// impl Worker for Metrics {
///     const HAS_INIT: bool = true;
///
///     async fn init(&mut self, _ctx: &Context) -> WorkerResult {
///         if !self.enabled {
///             return Err(Ignore.into());
///         }
///         Ok(())
///     }
///
///     async fn run(&mut self, ctx: &Context) -> WorkerResult {
///         ctx.shutdown_requested().await;
///         Ok(())
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, thiserror::Error)]
#[error("the child decided not to start (ignore)")]
pub struct Ignore;

/// A supervised task: something that runs until it is done, fails, or is asked to stop.
///
/// The supervisor builds a fresh worker from its child spec for every start and restart (see
/// [`ChildSpec::worker`](crate::ChildSpec::worker)), so a restart never sees the state of the
/// run that failed. State that must outlive a restart is passed in explicitly, e.g. as an
/// `Arc` captured by the spec's factory.
///
/// A worker with an init phase sets [`HAS_INIT`](Worker::HAS_INIT): its supervisor then waits for
/// [`init`](Worker::init) to return before it starts the next sibling, as OTP waits for a child's
/// `init/1`. Returning `Ok` from `init` is how a worker reports that it is ready; an `Err` is a
/// failed start.
///
/// The methods return `impl Future + Send`, so an impl writes them as plain `async fn`s; the
/// compiler checks that their futures can be sent to another thread, as a tokio task's must.
/// The future of `run` lives in the child's task itself, not in a box of its own: a start
/// allocates the task, as a bare `tokio::spawn` does, and the run's state.
///
/// ```
/// use supervisor::{Context, Worker, WorkerResult};
///
/// struct Ticker { ticks: u64 }
///
/// impl Worker for Ticker {
///     async fn run(&mut self, ctx: &Context) -> WorkerResult {
///         let mut interval = tokio::time::interval(std::time::Duration::from_secs(1));
///         loop {
///             tokio::select! {
///                 _ = ctx.shutdown_requested() => return Ok(()),
///                 _ = interval.tick() => self.ticks += 1,
///             }
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supervisor worker",
    label = "this type does not implement `supervisor::Worker`",
    note = "implement `supervisor::Worker` for it, or put `#[supervisor::worker]` on an `async fn` or an impl block"
)]
pub trait Worker: Send + 'static {
    /// Whether this worker has an init phase that its supervisor must wait for before it starts
    /// the next sibling. Without one, a child counts as started as soon as its task is spawned.
    const HAS_INIT: bool = false;

    /// Whether this worker's run says when it is ready, with [`Context::ready`]: its supervisor
    /// then waits for that (or for the run's end, a failed start) before it starts the next
    /// sibling, as for an init phase — the way an `async fn` worker, which has no separate init,
    /// makes `depends_on` order real at run time. After an init phase, if it has one.
    const SIGNALS_READY: bool = false;

    /// The restart policy a child of this worker gets unless its spec says otherwise.
    const RESTART: Restart = Restart::Permanent;

    /// The shutdown a child of this worker gets unless its spec says otherwise.
    const SHUTDOWN: Shutdown = Shutdown::DEFAULT_WORKER;

    /// The init phase: runs before the next sibling starts, only when
    /// [`HAS_INIT`](Worker::HAS_INIT) is `true`.
    ///
    /// It is polled by the supervisor's own task, which waits for it anyway (as an OTP supervisor
    /// waits in `start_link`); the run phase then gets a task of its own. If the supervisor is
    /// asked to stop meanwhile, [`Context::shutdown_requested`] fires here too, the init gets
    /// the child's shutdown timeout to return, and the run phase is not started.
    fn init(&mut self, ctx: &Context) -> impl Future<Output = WorkerResult> + Send {
        let _ = ctx;
        std::future::ready(Ok(()))
    }

    /// The run phase: the worker's work. Return `Ok(())` when done (a normal exit), `Err` on
    /// failure; return promptly once [`Context::shutdown_requested`] fires.
    fn run(&mut self, ctx: &Context) -> impl Future<Output = WorkerResult> + Send;
}

/// What a running child knows about itself: its path, which start this is, and whether it has
/// been asked to stop.
///
/// Cloning is cheap; clone it into tasks the worker spawns.
#[derive(Clone)]
pub struct Context {
    run: Arc<Run>,
}

impl Context {
    pub(crate) fn new(run: Arc<Run>) -> Self {
        Context { run }
    }

    /// The child's full path, e.g. `app/web/acceptor`.
    pub fn path(&self) -> &ChildPath {
        self.run.path()
    }

    /// The child's own name, the last segment of its path.
    pub fn name(&self) -> &str {
        self.run.name()
    }

    /// Which start this is: 0 for the first, then one more for every restart (automatic or
    /// through [`TreeHandle::restart_child`](crate::TreeHandle::restart_child)).
    pub fn generation(&self) -> u64 {
        self.run.generation()
    }

    /// How many times the supervisor has restarted this child automatically after an exit.
    pub fn restart_count(&self) -> u64 {
        self.run.restarts()
    }

    /// Says that this run is ready: a supervisor waiting for it (a worker with
    /// [`Worker::SIGNALS_READY`]) starts the next sibling. Calling it again does nothing.
    pub fn ready(&self) {
        self.run.mark_ready();
    }

    /// Tells the supervisor this run is alive, for a child with a heartbeat interval
    /// ([`ChildSpec::heartbeat`](crate::ChildSpec::heartbeat)): a run that does not beat
    /// within its interval is stopped as unresponsive. Cheap; does nothing for a child
    /// without one.
    pub fn heartbeat(&self) {
        self.run.beat();
    }

    /// Whether the supervisor has asked this child to stop.
    pub fn is_shutdown_requested(&self) -> bool {
        self.run.is_stop_requested()
    }

    /// Completes when the supervisor asks this child to stop. Use it in `tokio::select!`.
    pub fn shutdown_requested(&self) -> impl Future<Output = ()> + Send + '_ {
        self.run.stop_requested()
    }

    /// The typed handle of a pool of this child's tree (an acceptor reaching its connection
    /// pool, say): `key` names it from the tree's root, as in
    /// [`TreeHandle::pool`](crate::TreeHandle::pool).
    ///
    /// It may be called from [`Worker::init`] too: the pools of the tree's declared
    /// supervisors are found without asking the supervisors (which wait for that init). A pool
    /// of a nested supervisor that has not been started yet (declared after this child's
    /// supervisor) is not found then.
    pub async fn pool<K: ChildKey, A: Send + 'static>(
        &self,
        key: PoolKey<K, A>,
    ) -> Result<PoolHandle<A>, ChildError> {
        let Some(owner) = self.run.owner() else {
            return Err(ChildError::NotFound {
                path: self.run.path().clone(),
            });
        };
        let target = key.key().to_ref();
        let root = owner.path.root_path();
        let access = match owner.pools.get(&target) {
            Some(access) => access,
            // A pool inside a pool's instance is not registered: asked of the tree, whose
            // supervisors are not waiting for this child (an instance's start waits only in
            // its pool).
            None if !owner.registers => ask(&owner.root, root, target, Op::Pool).await?,
            None => {
                return Err(ChildError::NotFound {
                    path: target
                        .segments()
                        .fold(root.clone(), |path, name| path.join(name)),
                });
            }
        };
        PoolHandle::from_access(access)
    }

    /// A token cancelled when the supervisor asks this child to stop, to hand to tasks the
    /// worker spawns itself.
    pub fn cancellation_token(&self) -> &CancellationToken {
        self.run.token()
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("path", self.run.path())
            .field("generation", &self.run.generation())
            .field("restart_count", &self.run.restarts())
            .field("shutdown_requested", &self.run.is_stop_requested())
            .finish()
    }
}
