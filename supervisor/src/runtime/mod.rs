//! The runtime: one task per supervisor, owning its children's state, starting them in order,
//! restarting them by its strategy within its intensity, and stopping them in reverse order.
//!
//! A supervisor never polls its children: it waits on one mailbox (`mailbox`), where its
//! children's exits, its handles' commands (`command`), its own retries and the request to stop
//! arrive in order, and handles one message at a time, as an OTP supervisor handles its
//! mailbox. The pieces, in the order a child meets them:
//!
//! - `launch`: how one run of a child starts (spawn, or begin an init phase or a nested
//!   supervisor), and waiting for it when it must be waited for;
//! - `child`: the run itself, its task, and how it reports its end to its supervisor;
//! - `supervisor`: the supervisor's slots and loop, split by job (start, restart, shutdown,
//!   calls);
//! - `intensity`: the restart window; `stop`: stopping runs one after another as a chain of
//!   their own tasks.
//!
//! The common case, a worker without an init phase, is started and restarted without building
//! any future (see docs/performance-notes.md).

pub(crate) mod child;
pub(crate) mod command;
mod delay;
mod ended;
mod intensity;
mod launch;
pub(crate) mod mailbox;
mod pool;
mod stop;
mod supervisor;

use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::error::StartError;
use crate::event::{EventBus, EventKind};
use crate::exit::{ExitReason, Failure, FailureKind};
use crate::handle::Tree;
use crate::path::ChildPath;
use crate::spec::SupervisorSpec;
use child::Run;
use mailbox::MailSender;

/// Why a supervisor (or pool) must stop now.
pub(crate) enum Stop {
    /// Its intensity was exceeded.
    Failed(Failure),
    /// It was asked to shut down in the middle of something.
    Interrupted,
    /// Its significant children have ended (OTP's `auto_shutdown`): it shuts down by itself.
    AutoShutdown,
}

/// What a starting supervisor tells whoever started it: its command channel once all its
/// children are up, or why it could not start them.
pub(crate) type ReadyReply = oneshot::Sender<Result<MailSender, StartError>>;

impl SupervisorSpec {
    /// Checks the spec, starts the tree (children one after another in start order, each init
    /// finishing before the next starts) and returns once all are running.
    ///
    /// If a child fails to start, the children started before it are stopped in reverse start
    /// order and the error names the failed child's full path.
    pub async fn start(mut self) -> Result<Tree, StartError> {
        self.validate()?;
        let events = self.events.take().unwrap_or_else(EventBus::new);
        let path = ChildPath::root(&self.name);
        let run = Run::root(path.clone());
        let (ready_tx, ready_rx) = oneshot::channel();
        events.emit(|| path.clone(), || EventKind::Started { generation: 0 });
        let task = spawn_supervisor(self, run.clone(), events.clone(), ready_tx);
        let outcome = ready_rx.await;
        match outcome {
            Ok(Ok(cmd)) => Ok(Tree::new(path, cmd, run, events, task)),
            Ok(Err(error)) => {
                let _ = task.await;
                Err(error)
            }
            Err(_) => {
                let reason = child::joined_reason(task.await);
                let failure = reason.failure().cloned().unwrap_or_else(|| {
                    Failure::new(FailureKind::StartFailed, format!("root ended: {reason}"))
                });
                Err(StartError::ChildFailed { path, failure })
            }
        }
    }
}

fn spawn_supervisor(
    spec: SupervisorSpec,
    run: Arc<Run>,
    events: EventBus,
    ready: ReadyReply,
) -> JoinHandle<ExitReason> {
    let span = tracing::info_span!(parent: None, "supervisor", path = %run.path());
    tokio::spawn(supervisor::supervise(spec, run, events, ready, true).instrument(span))
}
