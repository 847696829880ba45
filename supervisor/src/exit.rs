//! Why a child ended: [`ExitReason`], and what went wrong when it failed: [`Failure`].

use std::fmt;
use std::sync::Arc;

/// Why a child ended, in OTP's terms.
///
/// | Rust | OTP |
/// |---|---|
/// | the worker returned `Ok(())` | `normal` |
/// | the worker ended after its supervisor asked it to stop | `shutdown` |
/// | the worker returned `Err(ShutdownReason)` | `{shutdown, Reason}` |
/// | the worker returned `Err`, panicked, or (for a supervisor) gave up | any other reason |
/// | the task was aborted (brutal shutdown, or a shutdown timeout that ran out) | `killed` |
///
/// A run that its supervisor aborts is killed even if it still returns: an abort takes effect
/// when the run's poll returns, so a run blocking its thread in one poll (blocking code, a
/// `std::thread::sleep`) past its shutdown timeout ends when that poll returns, and is
/// reported [`Killed`](ExitReason::Killed), not by what it returned too late; unless it
/// returned a failure, which stays the reason, as it tells more. The stop waits for that
/// poll to return, as OTP waits for a killed child's exit; on a multi-thread runtime the
/// blocked thread is the child's, not its supervisor's.
///
/// A worker whose `Drop` panics once its run (or init phase) has ended fails: if the run had
/// failed already, that failure stays the reason, its message followed by the panic's
/// (`…; then dropping the worker panicked: …`); otherwise the panic is the failure.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// The worker returned `Ok(())` by itself.
    Normal,
    /// The worker stopped because its supervisor asked it to.
    Shutdown,
    /// The worker ended its run on purpose with a reason ([`ShutdownReason`], OTP's
    /// `{shutdown, Reason}`): not a failure, so a transient child is not restarted and it is
    /// not logged as an error.
    ShutdownWith(ShutdownReason),
    /// The worker failed: it returned an error or panicked.
    Failed(Failure),
    /// The task was aborted (brutally, or when its shutdown timeout ran out), including a
    /// run that returned from the poll in progress when it was aborted (see above).
    Killed,
}

impl ExitReason {
    /// Whether OTP would call this exit abnormal: a failure or a kill. Transient children are
    /// restarted only after an abnormal exit.
    pub fn is_abnormal(&self) -> bool {
        matches!(self, ExitReason::Failed(_) | ExitReason::Killed)
    }

    /// The failure, if the child failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            ExitReason::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// How a run ended whose worker then panicked when it was dropped: a failure stays the
    /// reason, with the panic told in its message; any other end becomes the panic's failure.
    pub(crate) fn then_drop_panicked(self, panic: Failure) -> ExitReason {
        match self {
            ExitReason::Failed(failure) => ExitReason::Failed(failure.then_drop_panicked(&panic)),
            _ => ExitReason::Failed(panic),
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::ShutdownWith(reason) => reason.fmt(f),
            ExitReason::Failed(failure) => write!(f, "failed: {failure}"),
            ExitReason::Killed => f.write_str("killed"),
        }
    }
}

/// What a worker returns, as `Err(ShutdownReason::new("…").into())`, to end its run on purpose
/// with a reason that is not a failure (OTP's `{shutdown, Reason}`): its exit is
/// [`ExitReason::ShutdownWith`], a transient child is not restarted, and nothing is logged as
/// an error. A permanent child is restarted, as after any exit.
///
/// ```
/// use supervisor::{Context, ShutdownReason, Worker, WorkerResult};
///
/// struct Subscription;
///
/// impl Worker for Subscription {
///     async fn run(&mut self, _ctx: &Context) -> WorkerResult {
///         // … the upstream closed the stream for good:
///         Err(ShutdownReason::new("the upstream closed the subscription").into())
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReason(Arc<String>);

impl ShutdownReason {
    /// A shutdown for `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        // A thin pointer: an exit reason stays two words.
        ShutdownReason(Arc::new(reason.into()))
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShutdownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shutdown: {}", self.0)
    }
}

impl std::error::Error for ShutdownReason {}

/// What kind of failure ended a child.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The worker returned an error (from `init` or `run`).
    Error,
    /// The worker panicked; the panic was caught and its message kept.
    Panic,
    /// A supervisor restarted its children more often than its intensity allows and gave up.
    IntensityExceeded,
    /// A supervisor could not start one of its children.
    StartFailed,
    /// The child did not finish starting (its init phase, its readiness, a nested
    /// supervisor's start) within its start timeout ([`ChildSpec::start_timeout`](crate::ChildSpec::start_timeout)).
    StartTimeout,
    /// The child missed its heartbeat deadline ([`ChildSpec::heartbeat`](crate::ChildSpec::heartbeat)):
    /// it was stopped as unresponsive.
    Unresponsive,
}

/// A child's failure: its kind and a message (the error's `Display`, with its sources, or the
/// panic's payload).
///
/// Cloning is cheap (a reference count), so failures travel in events and child states freely.
#[derive(Clone)]
pub struct Failure {
    kind: FailureKind,
    /// Behind one thin pointer, so that a failure (and an [`ExitReason`]) is two words, moved in
    /// one register pair on every exit.
    message: Arc<Message>,
}

/// A failure's message: text, or an error formatted only when someone reads it, so a child that
/// fails again and again is restarted without formatting every error.
enum Message {
    Text(Box<str>),
    Error {
        error: crate::worker::BoxError,
        text: std::sync::OnceLock<Box<str>>,
    },
}

impl PartialEq for Failure {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message() == other.message()
    }
}

impl Eq for Failure {}

impl Failure {
    /// A failure of the given kind with the given message.
    pub fn new(kind: FailureKind, message: impl Into<Box<str>>) -> Self {
        Failure {
            kind,
            message: Arc::new(Message::Text(message.into())),
        }
    }

    /// A failure of kind [`FailureKind::Error`] that keeps `error` and formats it as
    /// [`from_error`](Self::from_error) does when its message is first read.
    pub(crate) fn from_boxed(error: crate::worker::BoxError) -> Self {
        Failure {
            kind: FailureKind::Error,
            message: Arc::new(Message::Error {
                error,
                text: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The failure of a worker that returned this error; the message includes its sources.
    pub fn from_error(error: &(dyn std::error::Error + 'static)) -> Self {
        Failure::new(FailureKind::Error, error_chain(error))
    }

    /// The failure of a worker that panicked with this payload.
    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-string payload".to_owned()
        };
        Failure::new(FailureKind::Panic, message)
    }

    /// This failure, followed by the panic of the worker's `Drop`: of this failure's kind, the
    /// panic told after its message.
    pub(crate) fn then_drop_panicked(&self, panic: &Failure) -> Failure {
        let message = format!(
            "{}; then dropping the worker panicked: {}",
            self.message(),
            panic.message()
        );
        Failure::new(self.kind, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The failure's message.
    pub fn message(&self) -> &str {
        match &*self.message {
            Message::Text(text) => text,
            // Formatted wherever it is first read, the supervisor's task included: a
            // `Display` that panics must not take it down.
            Message::Error { error, text } => {
                text.get_or_init(
                    || match crate::runtime::child::caught(|| error_chain(&**error)) {
                        Ok(text) => text.into_boxed_str(),
                        Err(panic) => {
                            format!("(the error's Display panicked: {})", panic.message()).into()
                        }
                    },
                )
            }
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FailureKind::Panic => write!(f, "panicked: {}", self.message()),
            _ => f.write_str(self.message()),
        }
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("kind", &self.kind)
            .field("message", &self.message())
            .finish()
    }
}

/// An error's message followed by those of its sources, separated by `: `.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(feature = "serde")]
impl serde::Serialize for Failure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Failure", 2)?;
        out.serialize_field("kind", &self.kind)?;
        out.serialize_field("message", self.message())?;
        out.end()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Failure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Parts {
            kind: FailureKind,
            message: String,
        }
        let parts = Parts::deserialize(d)?;
        Ok(Failure::new(parts.kind, parts.message))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ShutdownReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.reason())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ShutdownReason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ShutdownReason::new(String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exit_reason_is_two_words() {
        // Moved on every exit (the task's output, the report, the stop chain); at three words
        // with a one-byte tag it was copied in overlapping pieces that stalled the CPU.
        assert_eq!(std::mem::size_of::<ExitReason>(), 16);
        assert_eq!(std::mem::size_of::<Failure>(), 16);
    }

    #[test]
    fn an_errors_message_is_formatted_with_its_sources_when_first_read() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("could not connect")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let failure = Failure::from_boxed(Box::new(Outer(inner)));
        assert_eq!(failure.kind(), FailureKind::Error);
        assert_eq!(failure.message(), "could not connect: refused");
        assert_eq!(failure.clone().to_string(), "could not connect: refused");
        assert_eq!(
            Failure::new(FailureKind::Panic, "boom").to_string(),
            "panicked: boom"
        );
    }
}
