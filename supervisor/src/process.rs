//! A tree as the program's whole life ([`Tree::run`], [`SupervisorSpec::run`]): SIGINT and
//! SIGTERM start a graceful shutdown, a second signal or the shutdown deadline aborts what is
//! left, and the outcome becomes the process's exit code. Under systemd (`NOTIFY_SOCKET`), the
//! tree says `READY=1` once started, `STOPPING=1` when it begins to stop, and, when the service
//! has a watchdog (`WATCHDOG_USEC`), `WATCHDOG=1` while its root supervisor answers.
//!
//! One tree per process, run by Kubernetes or systemd, needs exactly these signals and codes.

use std::process::ExitCode;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::error::TreeError;
use crate::handle::Tree;
use crate::path::ChildKey;
use crate::runtime::log::log;
use crate::spec::SupervisorSpec;

/// How [`Tree::run_with`] ends a tree.
///
/// ```no_run
/// use std::time::Duration;
/// use supervisor::{ChildSpec, Context, RunOptions, SupervisorSpec, Worker, WorkerResult};
///
/// #[derive(Clone)]
/// struct Server;
///
/// impl Worker for Server {
///     async fn run(&mut self, ctx: &Context) -> WorkerResult {
///         ctx.shutdown_requested().await;
///         Ok(())
///     }
/// }
///
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     let spec = SupervisorSpec::new("app").child(ChildSpec::from_value("server", Server));
///     match spec.start().await {
///         Ok(tree) => {
///             tree.run_with(RunOptions::default().shutdown_deadline(Duration::from_secs(30)))
///                 .await
///         }
///         Err(_) => std::process::ExitCode::FAILURE,
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    shutdown_deadline: Option<Duration>,
}

impl RunOptions {
    /// Aborts whatever is still running this long after the shutdown began (the default is
    /// to wait for as long as the tree's shutdowns take; a second signal aborts at once).
    pub fn shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.shutdown_deadline = Some(deadline);
        self
    }
}

impl SupervisorSpec {
    /// Starts the tree and [runs](Tree::run) it as the program's whole life; a failed start
    /// is logged (with the child's path and reason) and is a failure exit code.
    pub async fn run(self) -> ExitCode {
        match self.start().await {
            Ok(tree) => tree.run().await,
            Err(error) => {
                log!(error, %error, "the tree did not start");
                ExitCode::FAILURE
            }
        }
    }
}

impl<K: ChildKey> Tree<K> {
    /// Runs the tree until it ends, as the program's whole life: see [`run_with`](Self::run_with).
    pub async fn run(self) -> ExitCode {
        self.run_with(RunOptions::default()).await
    }

    /// Runs the tree until it ends: by itself (its significant children ended: success; its
    /// root gave up: failure, logged with the chain of children that failed), or by SIGINT or
    /// SIGTERM, which start a graceful shutdown in reverse start order (success once it is
    /// done). A second signal, or the [`shutdown_deadline`](RunOptions::shutdown_deadline),
    /// aborts whatever is left (failure). Tells systemd where it is, when run under it.
    pub async fn run_with(self, options: RunOptions) -> ExitCode {
        let handle = self.handle();
        let abort = self.abort_handle();
        // Listening before saying ready: a signal sent on the word is handled.
        let signals = Signals::new();
        notify_systemd("READY=1");
        log!(info, "the tree is ready; SIGINT or SIGTERM shuts it down");
        let watchdog = systemd_watchdog().map(|interval| {
            let handle = handle.clone();
            crate::runtime::child::spawn_plain(async move {
                let mut tick = tokio::time::interval(interval);
                loop {
                    tick.tick().await;
                    // Healthy while the root supervisor answers within the interval.
                    let answered = tokio::time::timeout(interval, handle.count_children()).await;
                    if matches!(answered, Ok(Ok(_))) {
                        notify_systemd("WATCHDOG=1");
                    }
                }
            })
        });
        let join = self.join();
        tokio::pin!(join);
        let mut signals = match signals {
            Ok(signals) => signals,
            Err(error) => {
                log!(error, %error, "cannot listen for SIGINT and SIGTERM: the tree runs until it ends by itself");
                return exit_code(join.await);
            }
        };
        tokio::select! {
            ended = &mut join => {
                drop(watchdog);
                return exit_code(ended);
            }
            name = signals.next() => {
                log!(info, signal = name, "shutting the tree down");
            }
        }
        notify_systemd("STOPPING=1");
        handle.request_shutdown();
        let deadline = async {
            match options.shutdown_deadline {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        let forced = tokio::select! {
            ended = &mut join => {
                drop(watchdog);
                return exit_code(ended);
            }
            name = signals.next() => format!("a second signal ({name})"),
            _ = deadline => "the shutdown deadline".to_owned(),
        };
        log!(error, cause = %forced, "aborting what is left of the tree");
        if let Some(abort) = abort {
            abort.abort();
        }
        let _ = join.await;
        ExitCode::FAILURE
    }
}

/// The tree's outcome as an exit code, its failure logged.
fn exit_code(ended: Result<(), TreeError>) -> ExitCode {
    match ended {
        Ok(()) => {
            log!(info, "the tree has ended");
            ExitCode::SUCCESS
        }
        Err(error) => {
            log!(error, %error, "the tree failed");
            ExitCode::FAILURE
        }
    }
}

/// SIGINT and SIGTERM, as one stream.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// The name of the next signal.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// Tells systemd `state` (`READY=1`, …) if the process runs under it (`NOTIFY_SOCKET`):
/// the sd_notify protocol, one datagram on a Unix socket. Best effort: a failure is logged.
pub fn notify_systemd(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    if let Err(error) = send_notification(&path, state) {
        log!(warn, %error, state, "could not notify systemd");
    }
}

fn send_notification(path: &std::ffi::OsStr, state: &str) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixDatagram;
    let socket = UnixDatagram::unbound()?;
    let bytes = path.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        // An abstract socket (Linux).
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            socket.send_to_addr(state.as_bytes(), &address)?;
            return Ok(());
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = name;
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "abstract sockets are Linux-only",
            ));
        }
    }
    socket.send_to(state.as_bytes(), path)?;
    Ok(())
}

/// Half the service's watchdog interval, when systemd expects this process to ping it.
fn systemd_watchdog() -> Option<Duration> {
    let micros: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    (micros > 0).then(|| Duration::from_micros(micros / 2))
}
