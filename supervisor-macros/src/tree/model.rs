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
    /// A nested supervisor's own child options.
    pub(crate) opts: ChildOpts,
    pub(crate) children: Vec<Child>,
}

pub(crate) enum Child {
    Worker(Box<WorkerChild>),
    Supervisor(Box<Sup>),
}

impl Child {
    pub(crate) fn name(&self) -> &Ident {
        match self {
            Child::Worker(w) => &w.name,
            Child::Supervisor(s) => &s.name,
        }
    }

    pub(crate) fn opts(&self) -> &ChildOpts {
        match self {
            Child::Worker(w) => &w.opts,
            Child::Supervisor(s) => &s.opts,
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
