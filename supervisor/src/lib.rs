//! Erlang/OTP-grade supervision trees for tokio.
//!
//! A tree is a [`SupervisorSpec`]: a strategy, an intensity, and children in start order, each a
//! [`Worker`] or a nested supervisor with its [`Restart`] policy and [`Shutdown`]. Starting it
//! gives a [`Tree`], which keeps the children alive with OTP's semantics and answers
//! [`TreeHandle`] calls until it is shut down.
//!
//! ```
//! use std::time::Duration;
//! use supervisor::{ChildSpec, Context, Strategy, SupervisorSpec, Worker, WorkerResult};
//!
//! #[derive(Clone)]
//! struct Heartbeat;
//!
//! impl Worker for Heartbeat {
//!     async fn run(&mut self, ctx: &Context) -> WorkerResult {
//!         ctx.shutdown_requested().await;
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tree = SupervisorSpec::new("app")
//!     .strategy(Strategy::OneForAll)
//!     .intensity(3, Duration::from_secs(5))
//!     .child(ChildSpec::from_value("heartbeat", Heartbeat))
//!     .start()
//!     .await?;
//! tree.restart_child("heartbeat".into()).await.unwrap_err(); // running: OTP's {error, running}
//! tree.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Children that come and go: pools
//!
//! A [`PoolSpec`] is a child that hosts instances of one kind started at run time, each from a
//! typed argument (OTP's `simple_one_for_one`, Elixir's `DynamicSupervisor`, and with
//! [`Partitions`] its `PartitionSupervisor`): one handler per connection, one task per job.
//! [`TreeHandle::pool`] and [`Context::pool`] give its typed [`PoolHandle`].
//!
//! # Restart control and production
//!
//! Next to OTP's intensity: a [`Backoff`] between restarts (per child, supervisor or pool),
//! significant children and [`AutoShutdown`] (OTP 24), [`TreeHandle::pause`] /
//! [`TreeHandle::resume`] and an opt-in [`ChildSpec::quarantine`]. For a service:
//! [`Tree::run`] (signals, exit codes, systemd notifications; feature `process`),
//! [`TreeHandle::readiness`], [`ChildSpec::heartbeat`], [`ChildSpec::start_timeout`],
//! [`TreeHandle::snapshot`] (Mermaid, DOT, and serde with feature `serde`), and a testing kit
//! (feature `testing`).
//!
//! # Semantics
//!
//! The rules are OTP's `supervisor` (see `OTP-SEMANTICS.md` in the repository), with these
//! deliberate differences:
//!
//! - intensity periods are [`Duration`](std::time::Duration)s with full precision, not whole
//!   seconds; the sliding window is inclusive, as OTP's;
//! - [`TreeHandle::which_children`] lists children in start order (OTP: newest first);
//! - a worker that ignores its shutdown request is aborted when its shutdown timeout runs out,
//!   and a worker with [`Shutdown::Infinity`] is waited for (there is no unlink);
//! - a supervisor that exceeds its intensity exits as a failure ([`FailureKind::IntensityExceeded`]),
//!   not with OTP's `shutdown`, so its parent restarts it under `transient` as well as under
//!   `permanent`, and the root's failure reaches `main` through [`Tree::join`];
//! - a supervisor must have at least one child, and names must be non-empty and free of `/`;
//! - an intensity of 0 restarts is valid, as in OTP (the first restart fails the supervisor),
//!   but a period of zero is refused;
//! - errors are typed enums that carry the child's full path, never tuples;
//! - a pool's instances are addressed by an [`InstanceId`] (stable across restarts, never
//!   reused) instead of a pid, and a pool's `max_children` counts instances waiting for a
//!   restart, as Elixir's does; with partitions, each holds its share of the limit;
//! - a worker's init returns [`Ignore`] for OTP's `ignore`, and a run ends with
//!   [`ShutdownReason`] for OTP's `{shutdown, Reason}`;
//! - a restart with a backoff delay is counted toward the intensity when it is decided (as
//!   OTP counts a restart before it starts the child), and under `one_for_all` or
//!   `rest_for_one` the group is stopped at once and started after the delay;
//! - a paused child counts as not ended for `all_significant` (it will come back).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(missing_debug_implementations)]

mod backoff;
mod error;
mod event;
mod exit;
mod handle;
mod path;
mod pool;
#[cfg(all(feature = "process", unix))]
mod process;
mod runtime;
mod snapshot;
mod spec;
#[cfg(feature = "testing")]
pub mod testing;
mod worker;

pub use backoff::{Backoff, Jitter};
pub use error::{ChildError, SpecError, StartError, TreeError};
pub use event::{Event, EventKind, EventStream, RecvError};
pub use exit::{ExitReason, Failure, FailureKind, ShutdownReason};
pub use handle::{ChildCounts, ChildInfo, FailureRecord, Phase, Tree, TreeHandle};
pub use path::{ChildKey, ChildPath, ChildRef, InstancePath};
pub use pool::{
    InstanceId, InstanceInfo, Partitions, PoolError, PoolHandle, PoolKey, PoolSettings, PoolSpec,
};
#[cfg(all(feature = "process", unix))]
pub use process::{RunOptions, notify_systemd};
pub use snapshot::{ChildSnapshot, Node, PoolSnapshot, Snapshot, SupervisorSnapshot};
pub use spec::{
    AutoShutdown, ChildSpec, ChildType, Intensity, Restart, Shutdown, SpecInfo, SpecKind, Strategy,
    SupervisorSpec,
};
pub use worker::{BoxError, Context, Ignore, Worker, WorkerResult};

/// Turns an `async fn`, or an impl block with `async fn run`, into a [`Worker`].
///
#[doc = include_str!("../../docs/dsl.md")]
#[cfg(feature = "macros")]
pub use supervisor_macros::worker;

/// Declares a supervision tree, checked at compile time: its supervisors, workers and pools,
/// with a typed builder, a child enum for every handle call, and rustdoc that draws it.
///
#[doc = include_str!("../../docs/dsl.md")]
#[cfg(feature = "macros")]
#[macro_export]
macro_rules! supervision_tree {
    ($($tree:tt)*) => {
        $crate::__private::supervision_tree! { crate = $crate; $($tree)* }
    };
}

/// What the macros' generated code names. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "macros")]
    pub use supervisor_macros::supervision_tree;

    /// A builder slot whose worker has not been supplied yet.
    #[derive(Debug)]
    pub struct Open;

    /// A builder slot holding its worker.
    #[derive(Debug)]
    pub struct Provided<W>(pub W);
}

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
