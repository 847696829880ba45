//! A declared tree as plain data, spans kept for error messages.

use proc_macro2::{Span, TokenStream};
use std::time::Duration;
use syn::{Attribute, Expr, Ident, Type, Visibility};

/// The whole `supervision_tree!` input.
pub(crate) struct Tree {
    /// How generated code names the runtime crate (`::supervisor`, or `$crate` from the
    /// runtime's own wrapper macro).
    pub(crate) krate: TokenStream,
    /// `let NAME = supervisor …`: the inline form, whose values are evaluated in place.
    pub(crate) binding: Option<Ident>,
    pub(crate) root: Sup,
}

/// A supervisor: the root or a nested one.
pub(crate) struct Sup {
    pub(crate) docs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    /// The child name (a path segment); for the root, the snake_case of its type name.
    pub(crate) name: Ident,
    /// The generated type's name.
    pub(crate) ty: Ident,
    /// The span of the braces, for errors about the whole body.
    pub(crate) body: Span,
    pub(crate) strategy: Option<(Strategy, Span)>,
    pub(crate) intensity: Option<Intensity>,
    /// `auto_shutdown: any_significant | all_significant | never`.
    pub(crate) auto_shutdown: Option<(AutoShutdown, Span)>,
    /// `backoff: …` on a supervisor: its children's default.
    pub(crate) backoff: Option<BackoffDecl>,
    /// A nested supervisor's own child options.
    pub(crate) opts: ChildOpts,
    pub(crate) children: Vec<Child>,
}

pub(crate) enum Child {
    Worker(Box<WorkerChild>),
    Supervisor(Box<Sup>),
    Pool(Box<PoolChild>),
}

impl Child {
    pub(crate) fn name(&self) -> &Ident {
        match self {
            Child::Worker(w) => &w.name,
            Child::Supervisor(s) => &s.name,
            Child::Pool(p) => &p.name,
        }
    }

    /// The child's own options, as a child of its supervisor (a pool's are only its
    /// `depends_on`: the `restart` and `shutdown` of a pool line are its instances').
    pub(crate) fn opts(&self) -> &ChildOpts {
        match self {
            Child::Worker(w) => &w.opts,
            Child::Supervisor(s) => &s.opts,
            Child::Pool(p) => &p.opts,
        }
    }
}

pub(crate) struct WorkerChild {
    pub(crate) docs: Vec<Attribute>,
    pub(crate) name: Ident,
    pub(crate) ty: Option<Type>,
    pub(crate) value: Option<Value>,
    pub(crate) opts: ChildOpts,
}

/// `pool name: Type, …;`: a child hosting any number of `Type` workers, started at run time.
pub(crate) struct PoolChild {
    pub(crate) docs: Vec<Attribute>,
    pub(crate) name: Ident,
    /// The instances' worker type.
    pub(crate) ty: Type,
    /// The pool's own child options: only `depends_on` is ever set (the pool itself is
    /// permanent and stopped with `infinity`, a supervisor's defaults).
    pub(crate) opts: ChildOpts,
    /// The instances' options: `restart` and `shutdown` of the pool line.
    pub(crate) instances: InstanceOpts,
    /// `max_children: N`, the literal's span kept; `None` for no limit (omitted or `infinity`).
    pub(crate) max_children: Option<(u64, Span)>,
    pub(crate) intensity: Option<Intensity>,
    pub(crate) partitions: Option<(Partitions, Span)>,
}

/// The restart policy and shutdown of a pool's instances, when the pool line sets them.
#[derive(Default)]
pub(crate) struct InstanceOpts {
    pub(crate) restart: Option<(Restart, Span)>,
    pub(crate) shutdown: Option<(Shutdown, Span)>,
    pub(crate) backoff: Option<BackoffDecl>,
    /// Each instance's heartbeat interval.
    pub(crate) heartbeat: Option<Duration>,
    /// Each instance's start timeout.
    pub(crate) start_timeout: Option<Duration>,
}

/// `partitions: N` or `partitions: per_thread`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Partitions {
    /// A positive number of partitions.
    Fixed(u64),
    PerThread,
}

/// What a declared worker is built from.
pub(crate) enum Value {
    /// A value cloned for every start (`ChildSpec::from_value`).
    Prototype(Expr),
    /// A closure called for every start (`ChildSpec::worker`).
    Factory(Expr),
}

#[derive(Default)]
pub(crate) struct ChildOpts {
    pub(crate) restart: Option<(Restart, Span)>,
    pub(crate) shutdown: Option<(Shutdown, Span)>,
    pub(crate) depends_on: Vec<Ident>,
    /// Entries of `depends_on` that name something inside a sibling (`conns.x`, `conns[0]`):
    /// only ever an error, reported where the siblings are known (`validate`).
    pub(crate) depends_on_inside: Vec<TokenStream>,
    pub(crate) backoff: Option<BackoffDecl>,
    /// `significant`: where it is written.
    pub(crate) significant: Option<Span>,
    /// `quarantine: N within PERIOD`.
    pub(crate) quarantine: Option<Intensity>,
    pub(crate) heartbeat: Option<Duration>,
    pub(crate) start_timeout: Option<Duration>,
}

/// `backoff: fixed 1s` or `backoff: exponential 100ms to 30s`, then optionally
/// `jitter full|decorrelated|none` and `reset 1m`; or `backoff: none`.
#[derive(Clone, Copy)]
pub(crate) struct BackoffDecl {
    pub(crate) kind: BackoffKind,
    pub(crate) jitter: Option<Jitter>,
    pub(crate) reset: Option<Duration>,
}

#[derive(Clone, Copy)]
pub(crate) enum BackoffKind {
    None,
    Fixed(Duration),
    Exponential(Duration, Duration),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Jitter {
    None,
    Full,
    Decorrelated,
}

impl Jitter {
    pub(crate) const NAMES: [&'static str; 3] = ["none", "full", "decorrelated"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Jitter::None),
            "full" => Some(Jitter::Full),
            "decorrelated" => Some(Jitter::Decorrelated),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Jitter::None => "none",
            Jitter::Full => "full",
            Jitter::Decorrelated => "decorrelated",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AutoShutdown {
    Never,
    AnySignificant,
    AllSignificant,
}

impl AutoShutdown {
    pub(crate) const NAMES: [&'static str; 3] = ["never", "any_significant", "all_significant"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "never" => Some(AutoShutdown::Never),
            "any_significant" => Some(AutoShutdown::AnySignificant),
            "all_significant" => Some(AutoShutdown::AllSignificant),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    OneForOne,
    OneForAll,
    RestForOne,
}

impl Strategy {
    pub(crate) const NAMES: [&'static str; 3] = ["one_for_one", "one_for_all", "rest_for_one"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "one_for_one" => Some(Strategy::OneForOne),
            "one_for_all" => Some(Strategy::OneForAll),
            "rest_for_one" => Some(Strategy::RestForOne),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Restart {
    Permanent,
    Transient,
    Temporary,
}

impl Restart {
    pub(crate) const NAMES: [&'static str; 3] = ["permanent", "transient", "temporary"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "permanent" => Some(Restart::Permanent),
            "transient" => Some(Restart::Transient),
            "temporary" => Some(Restart::Temporary),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Restart::Permanent => "permanent",
            Restart::Transient => "transient",
            Restart::Temporary => "temporary",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shutdown {
    Brutal,
    Infinity,
    Timeout(Duration),
}

pub(crate) struct Intensity {
    pub(crate) max_restarts: u32,
    pub(crate) period: Duration,
}
