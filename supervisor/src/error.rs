//! Typed errors. Each names the full path of the child or supervisor concerned.

use std::time::Duration;

use crate::exit::Failure;
use crate::path::ChildPath;

/// A spec that cannot run, found by [`SupervisorSpec::validate`](crate::SupervisorSpec::validate)
/// before anything starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// Two children of one supervisor have the same name.
    #[error("duplicate child name `{path}`: children of one supervisor need distinct names")]
    DuplicateChild {
        /// The path of the second child with that name.
        path: ChildPath,
    },
    /// A name is empty or contains `/`.
    #[error("invalid child name `{path}`: a name must be non-empty and must not contain `/`")]
    InvalidName {
        /// The path with the invalid name.
        path: ChildPath,
    },
    /// A supervisor has no children.
    #[error("supervisor `{path}` has no children: give it at least one")]
    EmptySupervisor {
        /// The supervisor's path.
        path: ChildPath,
    },
    /// A supervisor's intensity period is zero.
    #[error(
        "supervisor `{path}` has an intensity period of zero: the period must be longer than zero"
    )]
    ZeroPeriod {
        /// The supervisor's path.
        path: ChildPath,
    },
    /// Options that OTP refuses together (`{bad_combination, _}`): a significant permanent
    /// child, a significant child under `auto_shutdown: never`, a quarantine of 0 restarts.
    #[error("`{path}`: {reason}")]
    BadCombination {
        /// The child's path.
        path: ChildPath,
        /// What is wrong, and how to fix it.
        reason: &'static str,
    },
    /// A backoff cannot run.
    #[error("the backoff of `{path}` is invalid: {reason}")]
    InvalidBackoff {
        /// The path of the child or supervisor it is set on.
        path: ChildPath,
        /// What is wrong, and how to fix it.
        reason: &'static str,
    },
    /// A pool's settings cannot run.
    #[error("pool `{path}` is invalid: {reason}")]
    InvalidPool {
        /// The pool's path.
        path: ChildPath,
        /// What is wrong, and how to fix it.
        reason: String,
    },
    /// A supervisor's intensity period is longer than [`Intensity::MAX_PERIOD`](crate::Intensity::MAX_PERIOD).
    #[error(
        "supervisor `{path}` has an intensity period of {period:?}, longer than the longest supported (u32::MAX seconds)"
    )]
    PeriodTooLong {
        /// The supervisor's path.
        path: ChildPath,
        /// The period given.
        period: Duration,
    },
}

/// Why a tree, or a child added at run time, did not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The spec is invalid; nothing was started.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A child failed in its init phase (or panicked there). The children started before it were
    /// stopped in reverse start order (OTP's `failed_to_start_child`).
    #[error("child `{path}` failed to start: {failure}")]
    ChildFailed {
        /// The full path of the child that failed, however deep.
        path: ChildPath,
        /// What went wrong.
        failure: Failure,
    },
    /// The tree was asked to shut down while it was starting.
    #[error("supervisor `{path}` was shut down while starting")]
    Interrupted {
        /// The supervisor's path.
        path: ChildPath,
    },
}

/// Why a call on a running tree's handle failed. The variants mirror OTP's
/// `{error, not_found | running | restarting | already_present | {already_started, _}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChildError {
    /// No child has that path.
    #[error("no child `{path}`")]
    NotFound {
        /// The path asked for.
        path: ChildPath,
    },
    /// The child is running; stop it first.
    #[error("child `{path}` is running")]
    Running {
        /// The child's path.
        path: ChildPath,
    },
    /// The child is between failed restart attempts.
    #[error("child `{path}` is restarting")]
    Restarting {
        /// The child's path.
        path: ChildPath,
    },
    /// A child with that name exists but is not running (`already_present`).
    #[error("child `{path}` already exists and is not running")]
    AlreadyPresent {
        /// The child's path.
        path: ChildPath,
    },
    /// A child with that name is already running (`already_started`).
    #[error("child `{path}` is already running")]
    AlreadyStarted {
        /// The child's path.
        path: ChildPath,
    },
    /// The path leads through a child that is a worker, not a supervisor.
    #[error("child `{path}` is not a supervisor")]
    NotASupervisor {
        /// The worker's path.
        path: ChildPath,
    },
    /// The supervisor on the path is not running (it stopped, or is being restarted).
    #[error("supervisor `{path}` is not running")]
    SupervisorNotRunning {
        /// The supervisor's path.
        path: ChildPath,
    },
    /// The child was started but failed in its init phase; it stays stopped.
    #[error("child `{path}` failed to start: {failure}")]
    StartFailed {
        /// The child's path.
        path: ChildPath,
        /// What went wrong.
        failure: Failure,
    },
    /// The child is temporary: never restarted, so it cannot be paused (terminate it instead).
    #[error(
        "child `{path}` is temporary: it cannot be paused, as it is never restarted; terminate it instead"
    )]
    Temporary {
        /// The child's path.
        path: ChildPath,
    },
    /// The child is neither paused nor quarantined, so there is nothing to resume.
    #[error("child `{path}` is neither paused nor quarantined")]
    NotPaused {
        /// The child's path.
        path: ChildPath,
    },
    /// The child is not running (the testing kit injects faults into running children only).
    #[error("child `{path}` is not running")]
    NotRunning {
        /// The child's path.
        path: ChildPath,
    },
    /// The child is not a pool.
    #[error("child `{path}` is not a pool")]
    NotAPool {
        /// The child's path.
        path: ChildPath,
    },
    /// The pool's instances start from another type than the one asked for.
    #[error("pool `{path}` does not start its instances from `{expected}`")]
    PoolArguments {
        /// The pool's path.
        path: ChildPath,
        /// The argument type asked for.
        expected: &'static str,
    },
    /// The path names an instance of a pool (or something inside one): instances are started,
    /// terminated and inspected through the pool's [`PoolHandle`](crate::PoolHandle), and a
    /// pool's instance cannot be restarted or deleted by name (OTP's
    /// `{error, simple_one_for_one}`).
    #[error(
        "`{path}` is inside a pool: use the pool's handle for its instances (OTP's simple_one_for_one)"
    )]
    PoolInstance {
        /// The path asked for.
        path: ChildPath,
    },
    /// The spec given to `start_child` is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
}

/// How a whole tree ended, when it did not end by a requested shutdown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The root supervisor failed: its restart intensity was exceeded (possibly escalated from a
    /// nested supervisor).
    #[error("supervisor `{path}` failed: {failure}")]
    Failed {
        /// The root's path.
        path: ChildPath,
        /// What went wrong.
        failure: Failure,
    },
    /// The root's task was aborted or panicked; a bug, reported rather than hidden.
    #[error("supervisor `{path}` ended abnormally: {reason}")]
    Aborted {
        /// The root's path.
        path: ChildPath,
        /// What the runtime reported.
        reason: String,
    },
}
