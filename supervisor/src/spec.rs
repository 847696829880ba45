//! Specs: what a tree is made of, before it runs. [`SupervisorSpec`] (strategy, intensity, children
//! in start order) and [`ChildSpec`] (a worker or a nested supervisor, with its restart policy and
//! shutdown), checked by [`SupervisorSpec::validate`] and run by [`SupervisorSpec::start`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::backoff::Backoff;
use crate::error::SpecError;
use crate::event::{EventBus, EventStream};
use crate::exit::ExitReason;
use crate::path::ChildPath;
use crate::pool::{PoolChild, PoolSettings};
use crate::runtime::worker_start::{WorkerStart, worker_start};
use crate::worker::Worker;

/// When a child is restarted after it exits (OTP's `restart`).
///
/// | policy | normal exit | shutdown | failure or kill |
/// |---|---|---|---|
/// | `Permanent` | restart | restart | restart |
/// | `Transient` | keep, stopped | keep, stopped | restart |
/// | `Temporary` | delete | delete | delete |
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Restart {
    /// Always restarted.
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit (a failure or a kill).
    Transient,
    /// Never restarted; its spec is deleted when it exits, and it is not restarted with its
    /// siblings under `one_for_all` or `rest_for_one` either.
    Temporary,
}

impl Restart {
    /// Whether a child with this policy is restarted after exiting for `reason`.
    pub fn restarts_after(self, reason: &ExitReason) -> bool {
        match self {
            Restart::Permanent => true,
            Restart::Transient => reason.is_abnormal(),
            Restart::Temporary => false,
        }
    }
}

/// How a child is stopped (OTP's `shutdown`).
///
/// A supervisor child that is aborted (brutally, or after its timeout) takes its own children
/// with it: their tasks are aborted too, as OTP's children die with the supervisor they are
/// linked to. Like OTP's, that kill is not waited for: the aborted tasks end as the runtime
/// gets to them.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Abort the task at once (`brutal_kill`).
    Brutal,
    /// Ask the child to stop, wait up to this long, then abort it. In a stop of one child
    /// after another the limit may run up to about a millisecond long (the supervisor times a
    /// child from its first look at it, not from the child before it), never short.
    Timeout(Duration),
    /// Ask the child to stop and wait for as long as it takes; the default for supervisors.
    Infinity,
}

impl Shutdown {
    /// The default for workers: ask, then abort after 5 seconds (OTP's 5000 ms).
    pub const DEFAULT_WORKER: Shutdown = Shutdown::Timeout(Duration::from_secs(5));
}

/// Which children a supervisor restarts when one of them exits and must be restarted.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Restart only the child that exited.
    #[default]
    OneForOne,
    /// Stop all other children (reverse start order), then restart all (start order).
    OneForAll,
    /// Stop the children started after the one that exited (reverse start order), then restart
    /// it and them (start order).
    RestForOne,
}

/// How many restarts a supervisor allows within a sliding period before it gives up (OTP's
/// `intensity` and `period`). The default is OTP's: 1 restart within 5 seconds.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Intensity {
    /// Restarts allowed within `period`; one more stops the supervisor. 0 means any exit that
    /// needs a restart stops it.
    pub max_restarts: u32,
    /// The length of the sliding window; must be longer than zero.
    pub period: Duration,
}

impl Intensity {
    /// The longest period accepted: about 136 years. Longer ones cannot be added to an instant
    /// on every platform.
    pub const MAX_PERIOD: Duration = Duration::from_secs(u32::MAX as u64);
}

impl Default for Intensity {
    fn default() -> Self {
        Intensity {
            max_restarts: 1,
            period: Duration::from_secs(5),
        }
    }
}

/// Whether a child is a worker or a supervisor (OTP's `type`).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildType {
    /// A worker.
    Worker,
    /// A nested supervisor.
    Supervisor,
}

/// A child's spec as data, every default filled in (OTP's `get_childspec`): from
/// [`TreeHandle::child_spec`](crate::TreeHandle::child_spec).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecInfo {
    /// The child's full path.
    pub path: ChildPath,
    /// Worker or supervisor (a pool is a supervisor).
    pub child_type: ChildType,
    /// Its restart policy.
    pub restart: Restart,
    /// How it is stopped.
    pub shutdown: Shutdown,
    /// How long it waits before each restart: its own backoff, or else its supervisor's
    /// default.
    pub backoff: Backoff,
    /// Whether its end may shut its supervisor down (see [`AutoShutdown`]).
    pub significant: bool,
    /// Its own restart limit, past which it is quarantined instead of restarted; `None`: it has
    /// none (only its supervisor's intensity applies).
    pub quarantine: Option<Intensity>,
    /// How often it must call [`Context::heartbeat`](crate::Context::heartbeat); `None`: it is
    /// not watched.
    pub heartbeat: Option<Duration>,
    /// How long its start may take; `None`: no limit.
    pub start_timeout: Option<Duration>,
    /// What it runs.
    pub kind: SpecKind,
}

/// What a child runs, in a [`SpecInfo`].
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecKind {
    /// A worker, built by its spec's factory for every start.
    Worker,
    /// A nested supervisor.
    Supervisor {
        /// Its strategy.
        strategy: Strategy,
        /// Its intensity.
        intensity: Intensity,
        /// How many children its spec declares.
        children: usize,
    },
    /// A pool, with its instances' template.
    Pool(PoolSettings),
    /// A temporary child that has started: its start is not kept (OTP keeps no start
    /// arguments for a temporary child); its type is in [`SpecInfo::child_type`].
    NotKept,
}

/// A spec of one child: its name, what it runs, its restart policy and its shutdown.
///
/// ```
/// use std::time::Duration;
/// use supervisor::{ChildSpec, Context, Restart, Shutdown, Worker, WorkerResult};
///
/// #[derive(Clone)]
/// struct Cache;
///
/// impl Worker for Cache {
///     async fn run(&mut self, ctx: &Context) -> WorkerResult {
///         ctx.shutdown_requested().await;
///         Ok(())
///     }
/// }
///
/// let spec = ChildSpec::from_value("cache", Cache)
///     .restart(Restart::Transient)
///     .shutdown(Shutdown::Timeout(Duration::from_millis(500)));
/// assert_eq!(spec.name(), "cache");
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) name: Arc<str>,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Shutdown,
    /// The options few children set, boxed: a flat tree of many children pays one word each.
    pub(crate) options: Option<Box<ChildOptions>>,
    pub(crate) kind: ChildKind,
}

/// A child's rarely set options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChildOptions {
    /// `None`: its supervisor's default.
    pub(crate) backoff: Option<Backoff>,
    /// OTP's `significant` (see [`AutoShutdown`]).
    pub(crate) significant: bool,
    /// Taken out of automatic restart after more than this many restarts within the period.
    pub(crate) quarantine: Option<Intensity>,
    /// A start that has not finished within this long fails.
    pub(crate) start_timeout: Option<Duration>,
    /// A run that does not beat within this long is stopped as unresponsive.
    pub(crate) heartbeat: Option<Duration>,
}

/// Whether a supervisor shuts itself down when its significant children end (OTP 24's
/// `auto_shutdown`).
///
/// Only a significant child that ends by itself and is not restarted counts: a transient child
/// that exits normally (or with a shutdown), or a temporary child whatever its reason. A
/// `terminate_child`, a stop as a bystander of a group restart, and a transient child's
/// failure (it is restarted) never count. The supervisor then stops its other children in
/// reverse start order and exits as a shutdown, which its own parent handles as the end of a
/// (possibly significant) child: so a finished job can end its subtree, or the whole tree.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AutoShutdown {
    /// Significant children change nothing (the default); none may be declared.
    #[default]
    Never,
    /// Shut down when any significant child has ended.
    AnySignificant,
    /// Shut down when every significant child has ended (one waiting for a restart counts as
    /// not ended).
    AllSignificant,
}

#[derive(Clone)]
pub(crate) enum ChildKind {
    Worker(WorkerStart),
    Supervisor(Box<SupervisorSpec>),
    Pool(PoolChild),
    /// What a spec keeps once its start is dropped: a temporary child's once it has started
    /// (OTP keeps no start arguments for it), a removed child's. The factory, and whatever it
    /// holds, is gone; the child's type is still reported.
    Taken(ChildType),
}

/// The future of one run of a child, from its first poll to its exit.
pub(crate) type ChildFuture = Pin<Box<dyn Future<Output = ExitReason> + Send>>;

impl ChildSpec {
    /// A worker child; `factory` builds a fresh worker for every start and restart. The restart
    /// policy and shutdown default to the worker's [`Worker::RESTART`] and [`Worker::SHUTDOWN`].
    ///
    /// The factory runs in the supervisor's task. If it panics, that start of the child fails
    /// (with the panic's message), as OTP treats an exception in a start function; a failed
    /// restart is retried and counts toward the intensity.
    pub fn worker<W, F>(name: impl AsRef<str>, factory: F) -> Self
    where
        W: Worker,
        F: Fn() -> W + Send + Sync + 'static,
    {
        ChildSpec {
            name: Arc::from(name.as_ref()),
            restart: W::RESTART,
            shutdown: W::SHUTDOWN,
            options: None,
            kind: ChildKind::Worker(worker_start(factory)),
        }
    }

    /// A worker child restarted from a clone of `prototype` each time.
    pub fn from_value<W>(name: impl AsRef<str>, prototype: W) -> Self
    where
        W: Worker + Clone + Sync,
    {
        ChildSpec::worker(name, move || prototype.clone())
    }

    /// A nested supervisor child. Its name is the spec's name; its shutdown defaults to
    /// [`Shutdown::Infinity`], as OTP's does for supervisors.
    pub fn supervisor(spec: SupervisorSpec) -> Self {
        ChildSpec {
            name: spec.name.clone(),
            restart: Restart::Permanent,
            shutdown: Shutdown::Infinity,
            options: None,
            kind: ChildKind::Supervisor(Box::new(spec)),
        }
    }

    /// Sets the restart policy.
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped.
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Sets how long the child waits before each restart (its supervisor's default
    /// otherwise, which is no wait).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.options_mut().backoff = Some(backoff);
        self
    }

    /// Makes the child significant (OTP's `significant`): its end, when it is not restarted,
    /// can shut its supervisor down (see [`AutoShutdown`]). Only a transient or temporary child
    /// may be significant, under a supervisor whose `auto_shutdown` is not `Never`.
    pub fn significant(mut self, significant: bool) -> Self {
        self.options_mut().significant = significant;
        self
    }

    /// Takes the child out of automatic restart when it needs more than `max_restarts`
    /// restarts within `period`, instead of letting it count against (and possibly fail) its
    /// supervisor's intensity: it is then quarantined
    /// ([`Phase::Quarantined`](crate::Phase::Quarantined)) until
    /// [`TreeHandle::resume`](crate::TreeHandle::resume). Its restarts within the limit still
    /// count toward the supervisor's intensity. Without it, OTP's rules stand unchanged.
    pub fn quarantine(mut self, max_restarts: u32, period: Duration) -> Self {
        self.options_mut().quarantine = Some(Intensity {
            max_restarts,
            period,
        });
        self
    }

    /// Fails a start of the child (its init phase, its readiness, a nested supervisor's start)
    /// that has not finished within `limit`, with [`FailureKind::StartTimeout`]; OTP's rules
    /// for a failed start follow. One hung dependency then cannot hold the whole tree's start
    /// for ever.
    ///
    /// [`FailureKind::StartTimeout`]: crate::FailureKind::StartTimeout
    pub fn start_timeout(mut self, limit: Duration) -> Self {
        self.options_mut().start_timeout = Some(limit);
        self
    }

    /// Expects the child's run to call [`Context::heartbeat`](crate::Context::heartbeat) at least once per `interval`
    /// (the first beat is due one interval after it started): a run that misses it is stopped
    /// with its shutdown as unresponsive ([`FailureKind::Unresponsive`]) and restarted by its
    /// policy, as after any failure.
    ///
    /// [`FailureKind::Unresponsive`]: crate::FailureKind::Unresponsive
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.options_mut().heartbeat = Some(interval);
        self
    }

    /// The child's start timeout, if it has one.
    pub(crate) fn start_limit(&self) -> Option<Duration> {
        self.options.as_ref().and_then(|o| o.start_timeout)
    }

    /// The child's heartbeat interval, if it has one.
    pub(crate) fn heartbeat_interval(&self) -> Option<Duration> {
        self.options.as_ref().and_then(|o| o.heartbeat)
    }

    fn options_mut(&mut self) -> &mut ChildOptions {
        self.options.get_or_insert_with(Box::default)
    }

    /// The child's own backoff, if it sets one.
    pub(crate) fn own_backoff(&self) -> Option<&Backoff> {
        self.options.as_ref().and_then(|o| o.backoff.as_ref())
    }

    /// Whether the child is significant.
    pub fn is_significant(&self) -> bool {
        self.options.as_ref().is_some_and(|o| o.significant)
    }

    /// The child's quarantine limit, if it has one.
    pub(crate) fn quarantine_limit(&self) -> Option<Intensity> {
        self.options.as_ref().and_then(|o| o.quarantine)
    }

    /// The child's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's restart policy.
    pub fn restart_policy(&self) -> Restart {
        self.restart
    }

    /// How the child is stopped.
    pub fn shutdown_policy(&self) -> Shutdown {
        self.shutdown
    }

    /// Whether the child is a worker or a supervisor.
    pub fn child_type(&self) -> ChildType {
        match self.kind {
            ChildKind::Worker(_) => ChildType::Worker,
            // A pool is a supervisor, as OTP's `simple_one_for_one` is.
            ChildKind::Supervisor(_) | ChildKind::Pool(_) => ChildType::Supervisor,
            ChildKind::Taken(child_type) => child_type,
        }
    }

    /// The spec as data, with every default filled in, for the child at `path` (OTP's
    /// `get_childspec`).
    /// `default_backoff` is its supervisor's.
    pub(crate) fn describe(&self, path: ChildPath, default_backoff: &Backoff) -> SpecInfo {
        SpecInfo {
            path,
            child_type: self.child_type(),
            restart: self.restart,
            shutdown: self.shutdown,
            backoff: *self.own_backoff().unwrap_or(default_backoff),
            significant: self.is_significant(),
            quarantine: self.quarantine_limit(),
            heartbeat: self.heartbeat_interval(),
            start_timeout: self.start_limit(),
            kind: match &self.kind {
                ChildKind::Worker(_) => SpecKind::Worker,
                ChildKind::Supervisor(spec) => SpecKind::Supervisor {
                    strategy: spec.strategy,
                    intensity: spec.intensity,
                    children: spec.children.len(),
                },
                ChildKind::Pool(pool) => SpecKind::Pool(pool.kind.settings),
                ChildKind::Taken(_) => SpecKind::NotKept,
            },
        }
    }

    /// Checks this child's options, and a pool's settings; not a nested supervisor's children.
    fn check_own(&self, path: &ChildPath) -> Result<(), SpecError> {
        if let ChildKind::Pool(pool) = &self.kind {
            pool.kind.validate(path)?;
        }
        if let Some(options) = &self.options {
            if let Some(backoff) = &options.backoff {
                check_backoff(backoff, path)?;
            }
            if let Some(limit) = &options.quarantine {
                check_quarantine(limit, path)?;
            }
            if options.start_timeout.is_some_and(|t| t.is_zero())
                || options.heartbeat.is_some_and(|t| t.is_zero())
            {
                return Err(SpecError::BadCombination {
                    path: path.clone(),
                    reason: "a start timeout or heartbeat interval of zero could never be met: give it a length",
                });
            }
            if options.heartbeat.is_some() && self.child_type() == ChildType::Supervisor {
                return Err(SpecError::BadCombination {
                    path: path.clone(),
                    reason: "a supervisor (or pool) never calls `Context::heartbeat`, so a heartbeat would stop it as unresponsive: set it on the workers under it",
                });
            }
            if options.significant && self.restart == Restart::Permanent {
                return Err(SpecError::BadCombination {
                    path: path.clone(),
                    reason: "a permanent child cannot be significant: it is always restarted, so it never ends; make it transient or temporary",
                });
            }
        }
        Ok(())
    }

    /// Checks this child and, for a supervisor, its whole subtree.
    pub(crate) fn validate(&self, path: &ChildPath) -> Result<(), SpecError> {
        self.check_own(path)?;
        match &self.kind {
            ChildKind::Supervisor(spec) => spec.validate_from(path.clone()),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ChildSpec");
        d.field("name", &&*self.name)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("options", &self.options);
        match &self.kind {
            ChildKind::Worker(w) => d.field(
                "worker",
                &format_args!(
                    "has_init: {}, signals_ready: {}",
                    w.has_init(),
                    matches!(w, WorkerStart::Ready(_))
                ),
            ),
            ChildKind::Supervisor(s) => d.field("supervisor", s),
            ChildKind::Pool(p) => d.field("pool", &p.kind.settings),
            ChildKind::Taken(t) => d.field("taken", t),
        };
        d.finish()
    }
}

/// A spec of a supervisor: its name, strategy, intensity and children in start order.
///
/// ```
/// use std::time::Duration;
/// use supervisor::{ChildSpec, Context, Strategy, SupervisorSpec, Worker, WorkerResult};
///
/// #[derive(Clone)]
/// struct Idle;
///
/// impl Worker for Idle {
///     async fn run(&mut self, ctx: &Context) -> WorkerResult {
///         ctx.shutdown_requested().await;
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tree = SupervisorSpec::new("app")
///     .strategy(Strategy::RestForOne)
///     .intensity(3, Duration::from_secs(5))
///     .child(ChildSpec::from_value("db", Idle))
///     .child(ChildSpec::supervisor(
///         SupervisorSpec::new("web").child(ChildSpec::from_value("acceptor", Idle)),
///     ))
///     .start()
///     .await?;
/// assert_eq!(tree.count_children().await?.active, 2);
/// tree.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SupervisorSpec {
    pub(crate) name: Arc<str>,
    pub(crate) strategy: Strategy,
    pub(crate) intensity: Intensity,
    /// Shared, so that a copy of a spec is as long as its own children, never its subtree: a
    /// nested supervisor starts from a copy of its spec, and a subtree copied at each level
    /// made a chain of nested supervisors quadratic in its depth.
    pub(crate) children: Arc<Vec<ChildSpec>>,
    pub(crate) events: Option<EventBus>,
    /// The backoff of children that set none.
    pub(crate) backoff: Backoff,
    /// The seed of the random source of backoff jitter; `None`: from the parent, or random.
    pub(crate) seed: Option<u64>,
    pub(crate) auto_shutdown: AutoShutdown,
    /// How many recent events the tree keeps for its snapshots (the root's setting).
    pub(crate) journal: usize,
    /// Stops its children all at once rather than one after another in reverse start order:
    /// the supervisor of a pool's partitions, which are one pool to its parent (every
    /// instance asked at once, as Elixir's `DynamicSupervisor` does) and have no order among
    /// them. Never set by the builder.
    pub(crate) stops_at_once: bool,
}

impl SupervisorSpec {
    /// A supervisor called `name` with OTP's defaults: `one_for_one`, 1 restart in 5 seconds.
    pub fn new(name: impl AsRef<str>) -> Self {
        SupervisorSpec {
            name: Arc::from(name.as_ref()),
            strategy: Strategy::default(),
            intensity: Intensity::default(),
            children: Arc::new(Vec::new()),
            events: None,
            backoff: Backoff::NONE,
            seed: None,
            auto_shutdown: AutoShutdown::Never,
            journal: 0,
            stops_at_once: false,
        }
    }

    /// Sets the restart strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Allows `max_restarts` restarts within any `period`; one more stops the supervisor.
    pub fn intensity(mut self, max_restarts: u32, period: Duration) -> Self {
        self.intensity = Intensity {
            max_restarts,
            period,
        };
        self
    }

    /// Sets the backoff of the children that set none (pools included, for their
    /// instances): how long each waits before a restart. The default is no wait, as in OTP.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Seeds the random source of backoff jitter, for this supervisor and the supervisors and
    /// pools under it that set no seed of their own, so that the delays repeat from run to run
    /// (in tests). Without a seed, each run draws one at random.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets whether the supervisor shuts itself down when its significant children end (see
    /// [`AutoShutdown`]).
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> Self {
        self.auto_shutdown = auto_shutdown;
        self
    }

    /// Keeps the tree's `capacity` most recent events, which
    /// [`TreeHandle::snapshot`](crate::TreeHandle::snapshot) includes: "what happened just
    /// before this child failed" in one call, without a subscriber that had to be running at
    /// the time. Only the root's setting counts; off by default (a tree with a journal builds
    /// its events, as one with a subscriber does).
    pub fn journal(mut self, capacity: usize) -> Self {
        self.journal = capacity;
        self
    }

    /// Adds a child, started after the children added before it.
    pub fn child(mut self, child: ChildSpec) -> Self {
        Arc::make_mut(&mut self.children).push(child);
        self
    }

    /// Adds children in order.
    pub fn children(mut self, children: impl IntoIterator<Item = ChildSpec>) -> Self {
        Arc::make_mut(&mut self.children).extend(children);
        self
    }

    /// The supervisor's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The children, in start order.
    pub fn child_specs(&self) -> &[ChildSpec] {
        &self.children
    }

    /// Subscribes to the events of the tree this spec will start, so that none is missed, the
    /// first starts included, to the last, [`EventKind::TreeEnded`](crate::EventKind::TreeEnded),
    /// after which the stream ends. Only the root's subscription is used.
    pub fn subscribe(&mut self) -> EventStream {
        self.events.get_or_insert_with(EventBus::new).subscribe()
    }

    /// Checks the whole tree: names, intensities, empty supervisors. Every error names the full
    /// path of the child or supervisor concerned. [`start`](Self::start) checks this too.
    pub fn validate(&self) -> Result<(), SpecError> {
        check_name(&self.name, || ChildPath::root(&self.name))?;
        self.validate_from(ChildPath::root(&self.name))
    }

    /// Checks this supervisor, at `path`, and every supervisor under it, depth first with a
    /// stack of its own rather than by recursion: a chain of nested supervisors may be deeper
    /// than a thread's stack would allow.
    fn validate_from(&self, path: ChildPath) -> Result<(), SpecError> {
        let mut pending = vec![(self, path)];
        while let Some((spec, path)) = pending.pop() {
            spec.validate_level(&path, &mut pending)?;
        }
        Ok(())
    }

    /// Checks this supervisor and its children's own settings; the nested supervisors are
    /// pushed on `pending`.
    fn validate_level<'a>(
        &'a self,
        path: &ChildPath,
        pending: &mut Vec<(&'a SupervisorSpec, ChildPath)>,
    ) -> Result<(), SpecError> {
        if self.children.is_empty() {
            return Err(SpecError::EmptySupervisor { path: path.clone() });
        }
        check_intensity(&self.intensity, path)?;
        check_backoff(&self.backoff, path)?;
        let mut seen =
            foldhash::HashSet::with_capacity_and_hasher(self.children.len(), Default::default());
        for child in self.children.iter() {
            // Paths are joined only for an error or a nested supervisor: a flat tree of many
            // workers is checked without allocating.
            check_name(&child.name, || path.join(&child.name))?;
            if !seen.insert(&*child.name) {
                return Err(SpecError::DuplicateChild {
                    path: path.join(&child.name),
                });
            }
            if child.options.is_some()
                || matches!(child.kind, ChildKind::Supervisor(_) | ChildKind::Pool(_))
            {
                let child_path = path.join(&child.name);
                child.check_own(&child_path)?;
                if child.is_significant() && self.auto_shutdown == AutoShutdown::Never {
                    return Err(SpecError::BadCombination {
                        path: child_path,
                        reason: "a significant child needs a supervisor with auto_shutdown any_significant or all_significant: set it, or make the child not significant",
                    });
                }
                if let ChildKind::Supervisor(nested) = &child.kind {
                    pending.push((nested, child_path));
                }
            }
        }
        Ok(())
    }
}

/// An intensity's period must be longer than zero and fit an instant.
pub(crate) fn check_intensity(intensity: &Intensity, path: &ChildPath) -> Result<(), SpecError> {
    if intensity.period.is_zero() {
        return Err(SpecError::ZeroPeriod { path: path.clone() });
    }
    if intensity.period > Intensity::MAX_PERIOD {
        return Err(SpecError::PeriodTooLong {
            path: path.clone(),
            period: intensity.period,
        });
    }
    Ok(())
}

/// A backoff must have a base longer than zero and a maximum no shorter than it.
pub(crate) fn check_backoff(backoff: &Backoff, path: &ChildPath) -> Result<(), SpecError> {
    backoff.check().map_err(|reason| SpecError::InvalidBackoff {
        path: path.clone(),
        reason,
    })
}

/// A quarantine must allow a restart and have a period.
fn check_quarantine(limit: &Intensity, path: &ChildPath) -> Result<(), SpecError> {
    if limit.max_restarts == 0 {
        return Err(SpecError::BadCombination {
            path: path.clone(),
            reason: "a quarantine of 0 restarts would quarantine the child at its first exit: allow at least 1",
        });
    }
    check_intensity(limit, path)
}

/// A name must be a non-empty path segment.
pub(crate) fn check_name(name: &str, path: impl FnOnce() -> ChildPath) -> Result<(), SpecError> {
    if name.is_empty() || name.contains('/') {
        return Err(SpecError::InvalidName { path: path() });
    }
    Ok(())
}

impl fmt::Debug for SupervisorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorSpec")
            .field("name", &&*self.name)
            .field("strategy", &self.strategy)
            .field("intensity", &self.intensity)
            .field("backoff", &self.backoff)
            .field("auto_shutdown", &self.auto_shutdown)
            .field("children", &self.children)
            .finish()
    }
}
