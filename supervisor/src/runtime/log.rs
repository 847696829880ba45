//! The supervisor's calls into `tracing`, made so that a subscriber that panics cannot take a
//! supervisor down: its events, its spans' creation, entry, exit and close go through here,
//! with the subscriber's panic caught and dropped (the panic hook has told it), as a worker's
//! panic is caught. A log line may be lost; the supervisor's work is not.
//!
//! Catching costs nothing while nothing panics (a landing pad, no work): the logs stay as
//! cheap as `tracing`'s own check of whether anyone wants them.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`, a call into the subscriber, with its panic caught; `None` if it panicked.
#[inline(always)]
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// `tracing`'s event macro of that level (`log!(error, …)` is `tracing::error!(…)`), with a
/// panic of the subscriber caught.
macro_rules! log {
    ($level:ident, $($arg:tt)+) => {
        $crate::runtime::log::guarded(|| ::tracing::$level!($($arg)+))
    };
}
pub(crate) use log;

/// A span whose entry, exit and close catch a panic of the subscriber. Only made for a span
/// some subscriber wants (see [`Span::new`]).
pub(crate) struct Span(tracing::Span);

impl Span {
    /// The span made by `make` (a `tracing` span macro), boxed, if some subscriber wants it
    /// and its creation did not panic; else nothing: five words that every start would
    /// otherwise move around and every idle child's task would carry.
    ///
    /// Inlined, and the disabled span dropped where it was built: moved first (as a call or a
    /// combinator moves it), its five words were loaded right after they were stored, in
    /// pieces of another width, waiting for the stores (`perf annotate`: 1.5 % of a restart).
    #[inline(always)]
    pub(crate) fn new(make: impl FnOnce() -> tracing::Span) -> Option<Box<Span>> {
        guarded(|| {
            let span = make();
            if span.is_disabled() {
                return None;
            }
            Some(Box::new(Span(span)))
        })
        .flatten()
    }

    /// Enters the span until the guard is dropped.
    pub(crate) fn enter(&self) -> Entered<'_> {
        Entered(guarded(|| self.0.enter()))
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        let span = std::mem::replace(&mut self.0, tracing::Span::none());
        guarded(move || drop(span));
    }
}

/// The span is entered while this lives.
pub(crate) struct Entered<'a>(Option<tracing::span::Entered<'a>>);

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if let Some(entered) = self.0.take() {
            guarded(move || drop(entered));
        }
    }
}

/// The span of a child's run: a root span (its path already says where it sits in the tree),
/// named `child`, or `supervisor` for a nested supervisor (as the root's is), if some
/// subscriber wants it.
#[inline(always)]
pub(crate) fn child_span(
    child_type: crate::spec::ChildType,
    run: &crate::runtime::run::Run,
) -> Option<Box<Span>> {
    let generation = run.generation();
    Span::new(|| match child_type {
        crate::spec::ChildType::Worker => {
            tracing::info_span!(parent: None, "child", path = %run.path(), generation)
        }
        crate::spec::ChildType::Supervisor => {
            tracing::info_span!(parent: None, "supervisor", path = %run.path(), generation)
        }
    })
}
