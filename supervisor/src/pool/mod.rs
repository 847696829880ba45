//! Pools: children that come and go at run time, all of one kind, started with typed arguments
//! (OTP's `simple_one_for_one`, Elixir's `DynamicSupervisor` and `PartitionSupervisor`).
//!
//! A [`PoolSpec`] is a child of a supervisor like any other ([`ChildSpec::pool`]); it starts
//! with no instances. A [`PoolHandle`] (from [`TreeHandle::pool`](crate::TreeHandle::pool) or
//! [`Context::pool`](crate::Context::pool)) starts instances, each from a value of the pool's
//! argument type `A`, and terminates, lists and counts them.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::backoff::Backoff;
use crate::error::SpecError;
use crate::path::ChildPath;
use crate::runtime::mailbox::MailSender;
use crate::spec::{ChildKind, ChildSpec, ChildType, Intensity, Restart, Shutdown, SupervisorSpec};
use crate::worker::Worker;

/// How many independent partitions a pool runs as (Elixir's `PartitionSupervisor`).
///
/// Each partition is a pool of its own, with its own task, mailbox, intensity and share of
/// `max_children`, so that the starts, exits and restarts of many instances do not all queue
/// on one task. With more than one, the pool is a `one_for_one` supervisor of its partitions,
/// named `p0`, `p1`, …: an instance's path is then `app/conns/p1/17`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Partitions {
    /// One partition: the pool itself (the default).
    #[default]
    One,
    /// This many partitions.
    Fixed(usize),
    /// One per worker thread of the runtime the pool starts on.
    PerThread,
}

impl Partitions {
    /// How many partitions to run, on the current runtime.
    pub(crate) fn count(self) -> usize {
        match self {
            Partitions::One => 1,
            Partitions::Fixed(n) => n.max(1),
            Partitions::PerThread => tokio::runtime::Handle::try_current()
                .map(|rt| rt.metrics().num_workers())
                .unwrap_or(1)
                .max(1),
        }
    }
}

/// The spec of a pool: the kind of its instances, their default restart policy and shutdown,
/// the most instances it holds, its intensity and its partitions.
///
/// `A` is what an instance is started from: a worker value (see [`PoolSpec::workers`]), or any
/// type that a function turns into a supervisor's spec (see [`PoolSpec::supervisors`]).
///
/// ```
/// use supervisor::{ChildSpec, Context, PoolKey, PoolSpec, Restart, SupervisorSpec, Worker, WorkerResult};
///
/// #[derive(Clone)]
/// struct Job { id: u64 }
///
/// impl Worker for Job {
///     const RESTART: Restart = Restart::Transient;
///     async fn run(&mut self, ctx: &Context) -> WorkerResult {
///         ctx.shutdown_requested().await;
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tree = SupervisorSpec::new("app")
///     .child(ChildSpec::pool(PoolSpec::<Job>::workers("jobs").max_children(100)))
///     .start()
///     .await?;
/// let jobs = tree.pool(PoolKey::<_, Job>::new("jobs".into())).await?;
/// let id = jobs.start(Job { id: 7 }).await?;
/// assert_eq!(jobs.count().await?.active, 1);
/// jobs.terminate(id).await?;
/// tree.shutdown().await?;
/// # Ok(())
/// # }
/// ```
pub struct PoolSpec<A> {
    name: Arc<str>,
    settings: PoolSettings,
    template: Arc<dyn Template<A>>,
}

impl<A> Clone for PoolSpec<A> {
    fn clone(&self) -> Self {
        PoolSpec {
            name: self.name.clone(),
            settings: self.settings,
            template: self.template.clone(),
        }
    }
}

impl<A> fmt::Debug for PoolSpec<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolSpec")
            .field("name", &&*self.name)
            .field("settings", &self.settings)
            .finish()
    }
}

/// A pool's settings, every default filled in (OTP's `get_childspec` of a pool's template).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolSettings {
    /// The most instances the pool holds at once, counting those waiting to be restarted
    /// (`None`: no limit, Elixir's `:infinity`). Split evenly over the partitions.
    pub max_children: Option<usize>,
    /// The pool's restart intensity (per partition).
    pub intensity: Intensity,
    /// The restart policy of an instance started without one.
    pub restart: Restart,
    /// How an instance is stopped.
    pub shutdown: Shutdown,
    /// Whether the instances are workers or supervisors.
    pub instance_type: ChildType,
    /// How many partitions the pool runs as.
    pub partitions: Partitions,
    /// How long an instance waits before each restart; `None`: the pool's supervisor's
    /// default.
    pub backoff: Option<Backoff>,
    /// How often each instance must call [`Context::heartbeat`](crate::Context::heartbeat);
    /// `None`: instances are not watched.
    pub heartbeat: Option<Duration>,
    /// How long an instance's start may take (its init phase, or until it says it is ready);
    /// `None`: no limit.
    pub start_timeout: Option<Duration>,
}

impl<W: Worker> PoolSpec<W> {
    /// A pool whose instances are workers of type `W`, each started from a `W` value. Their
    /// restart policy and shutdown default to the worker's [`Worker::RESTART`] and
    /// [`Worker::SHUTDOWN`].
    pub fn workers(name: impl AsRef<str>) -> Self {
        PoolSpec::new(
            name,
            W::RESTART,
            W::SHUTDOWN,
            ChildType::Worker,
            Arc::new(WorkerTemplate(PhantomData)),
        )
    }
}

impl<A: Send + 'static> PoolSpec<A> {
    /// A pool whose instances are supervisors (a small subtree per connection, say): each is
    /// started from an `A`, which `spec` turns into the instance's [`SupervisorSpec`]. Instances
    /// are permanent and stopped with [`Shutdown::Infinity`] unless set otherwise.
    pub fn supervisors(
        name: impl AsRef<str>,
        spec: impl Fn(A) -> SupervisorSpec + Send + Sync + 'static,
    ) -> Self {
        PoolSpec::new(
            name,
            Restart::Permanent,
            Shutdown::Infinity,
            ChildType::Supervisor,
            Arc::new(SupervisorTemplate(Arc::new(spec), PhantomData)),
        )
    }
}

impl<A> PoolSpec<A> {
    fn new(
        name: impl AsRef<str>,
        restart: Restart,
        shutdown: Shutdown,
        instance_type: ChildType,
        template: Arc<dyn Template<A>>,
    ) -> Self {
        PoolSpec {
            name: Arc::from(name.as_ref()),
            settings: PoolSettings {
                max_children: None,
                intensity: Intensity::default(),
                restart,
                shutdown,
                instance_type,
                partitions: Partitions::One,
                backoff: None,
                heartbeat: None,
                start_timeout: None,
            },
            template,
        }
    }

    /// Limits how many instances the pool holds at once (those waiting to be restarted count);
    /// a start beyond it fails with [`PoolError::MaxChildren`].
    pub fn max_children(mut self, max: usize) -> Self {
        self.settings.max_children = Some(max);
        self
    }

    /// Allows `max_restarts` restarts of instances within any `period`; one more stops every
    /// instance and fails the pool, which its supervisor handles as any child's failure.
    pub fn intensity(mut self, max_restarts: u32, period: Duration) -> Self {
        self.settings.intensity = Intensity {
            max_restarts,
            period,
        };
        self
    }

    /// Sets the restart policy of instances started without one.
    pub fn restart(mut self, restart: Restart) -> Self {
        self.settings.restart = restart;
        self
    }

    /// Sets how instances are stopped.
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.settings.shutdown = shutdown;
        self
    }

    /// Sets how long an instance waits before each restart (the default: its supervisor's
    /// default for its children, which is no wait).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.settings.backoff = Some(backoff);
        self
    }

    /// Expects each instance's run to call [`Context::heartbeat`](crate::Context::heartbeat) at
    /// least once per `interval`: one that misses it is stopped with the pool's shutdown, and
    /// its end is a failure ([`FailureKind::Unresponsive`](crate::FailureKind::Unresponsive)),
    /// restarted by its policy, as a declared child's is ([`ChildSpec::heartbeat`]).
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.settings.heartbeat = Some(interval);
        self
    }

    /// Limits how long an instance's start may take (its init phase, or until it says it is
    /// ready): past `limit` it is stopped and the start fails
    /// ([`FailureKind::StartTimeout`](crate::FailureKind::StartTimeout)), as a declared
    /// child's does ([`ChildSpec::start_timeout`]).
    pub fn start_timeout(mut self, limit: Duration) -> Self {
        self.settings.start_timeout = Some(limit);
        self
    }

    /// Runs the pool as independent partitions (Elixir's `PartitionSupervisor`): each with its
    /// own task, mailbox and intensity, so that starts, exits and restarts spread over them.
    /// The pool is still one to its parent: its shutdown asks every instance of every
    /// partition at once.
    pub fn partitions(mut self, partitions: Partitions) -> Self {
        self.settings.partitions = partitions;
        self
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pool's settings.
    pub fn settings(&self) -> PoolSettings {
        self.settings
    }
}

impl<A: Send + 'static> PoolSpec<A> {
    pub(crate) fn into_kind(self) -> (Arc<str>, PoolKind) {
        let template = self.template.clone();
        let kind = PoolKind {
            settings: self.settings,
            stores: Arc::new(move || template.store()),
            template: Arc::new(TemplateOf::<A>(PhantomData)),
            cell: Arc::new(PoolCell::default()),
            seed: 0,
        };
        (self.name, kind)
    }
}

impl ChildSpec {
    /// A pool child: it starts with no instances; see [`PoolHandle`]. A pool is a supervisor
    /// to its parent (OTP's `simple_one_for_one` is one): permanent, and stopped with
    /// [`Shutdown::Infinity`], unless set otherwise.
    pub fn pool<A: Send + 'static>(spec: PoolSpec<A>) -> Self {
        let (name, kind) = spec.into_kind();
        ChildSpec {
            name,
            restart: Restart::Permanent,
            shutdown: Shutdown::Infinity,
            options: None,
            kind: ChildKind::Pool(PoolChild {
                kind: Arc::new(kind),
                partition: None,
            }),
        }
    }
}

/// The argument type of a pool, behind `dyn Any` in the untyped [`PoolKind`], for a handle to check.
pub(crate) struct TemplateOf<A>(PhantomData<fn(A) -> A>);

/// A pool as its supervisor holds it: untyped, so the runtime is not generic over `A`.
#[derive(Clone)]
pub(crate) struct PoolKind {
    pub(crate) settings: PoolSettings,
    /// A `TemplateOf<A>`: what a handle checks its argument type against.
    pub(crate) template: Arc<dyn Any + Send + Sync>,
    /// Makes a partition's store of its instances' arguments.
    pub(crate) stores: Arc<dyn Fn() -> Box<dyn ArgStore> + Send + Sync>,
    /// Where the running pool's partitions are found; one per supervisor slot (see
    /// [`PoolKind::fresh`]), kept across the pool's restarts.
    pub(crate) cell: Arc<PoolCell>,
    /// The seed of its random source (backoff jitter), from its supervisor's.
    pub(crate) seed: u64,
}

impl PoolKind {
    /// The same pool in a supervisor's slot: with a cell of its own (a spec started twice must
    /// not share its handles), its supervisor's default backoff unless it sets one, and a seed.
    pub(crate) fn fresh(&self, default_backoff: Backoff, seed: u64) -> Self {
        let mut settings = self.settings;
        settings.backoff.get_or_insert(default_backoff);
        PoolKind {
            settings,
            template: self.template.clone(),
            stores: self.stores.clone(),
            cell: Arc::new(PoolCell::default()),
            seed,
        }
    }

    /// Checks the settings that no type can rule out.
    pub(crate) fn validate(&self, path: &ChildPath) -> Result<(), SpecError> {
        let invalid = |reason: &str| SpecError::InvalidPool {
            path: path.clone(),
            reason: reason.to_owned(),
        };
        if self.settings.max_children == Some(0) {
            return Err(invalid("max_children is 0: no instance could ever start"));
        }
        if self.settings.partitions == Partitions::Fixed(0) {
            return Err(invalid("0 partitions: give it at least one"));
        }
        if self.settings.heartbeat.is_some_and(|t| t.is_zero())
            || self.settings.start_timeout.is_some_and(|t| t.is_zero())
        {
            return Err(invalid(
                "a start timeout or heartbeat interval of zero could never be met: give it a length",
            ));
        }
        if self.settings.heartbeat.is_some() && self.settings.instance_type == ChildType::Supervisor
        {
            return Err(invalid(
                "its instances are supervisors, which never call `Context::heartbeat`: set the heartbeat on the workers inside them",
            ));
        }
        if let Some(backoff) = &self.settings.backoff {
            crate::spec::check_backoff(backoff, path)?;
        }
        crate::spec::check_intensity(&self.settings.intensity, path)
    }
}

/// A pool as a child: the pool as declared, or one of its partitions.
#[derive(Clone)]
pub(crate) struct PoolChild {
    pub(crate) kind: Arc<PoolKind>,
    /// `Some((p, n))`: partition `p` of `n`.
    pub(crate) partition: Option<(usize, usize)>,
}

/// Where the partitions of a running pool take requests: set by each partition when it
/// starts, cleared when it ends.
#[derive(Default)]
pub(crate) struct PoolCell {
    partitions: Mutex<Vec<Option<MailSender>>>,
    /// The partition the next start without a key goes to.
    pub(crate) next: AtomicUsize,
}

impl PoolCell {
    /// Makes room for `n` partitions (the pool is starting).
    pub(crate) fn open(&self, n: usize) {
        let mut partitions = self.lock();
        partitions.clear();
        partitions.resize(n, None);
    }

    /// Partition `p` takes requests at `mailbox` (`None`: it ended).
    pub(crate) fn publish(&self, p: usize, mailbox: Option<MailSender>) {
        if let Some(slot) = self.lock().get_mut(p) {
            *slot = mailbox;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Option<MailSender>>> {
        self.partitions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn partition(&self, p: usize) -> Option<MailSender> {
        self.lock().get(p).cloned().flatten()
    }

    /// The partition for `key`, or the next in turn.
    pub(crate) fn pick(&self, key: Option<u64>) -> (usize, Option<MailSender>) {
        let partitions = self.lock();
        let n = partitions.len().max(1);
        let p = match key {
            Some(key) => (key % n as u64) as usize,
            None => self.next.fetch_add(1, Ordering::Relaxed) % n,
        };
        (p, partitions.get(p).cloned().flatten())
    }

    pub(crate) fn all(&self) -> Vec<Option<MailSender>> {
        self.lock().clone()
    }
}

/// What a supervisor answers about its pool child: enough for a typed handle.
#[derive(Clone)]
pub(crate) struct PoolAccess {
    pub(crate) path: ChildPath,
    pub(crate) kind: Arc<PoolKind>,
}

mod args;
mod handle;

pub(crate) use args::{ArgStore, Cloner, StartArgs};
use args::{SupervisorTemplate, Template, WorkerTemplate};

pub use handle::{InstanceId, InstanceInfo, PoolError, PoolHandle, PoolKey};
