//! What a supervisor shares with every run of its children ([`Owner`]), and the registry of a
//! tree's pools its workers reach them through ([`PoolRegistry`]).

use std::sync::{Arc, Mutex, PoisonError};

use super::Run;
use crate::path::{ChildPath, ChildRef};
use crate::pool::PoolAccess;
use crate::runtime::mailbox::MailSender;

/// What a supervisor shares with every run of its children: one reference count per start.
pub(crate) struct Owner {
    pub(crate) path: ChildPath,
    /// Where a run that ends by itself reports its exit.
    pub(crate) mailbox: MailSender,
    /// The root supervisor's mailbox, where a worker's requests about its tree go.
    pub(crate) root: MailSender,
    /// The pools of the tree's declared supervisors.
    pub(crate) pools: Arc<PoolRegistry>,
    /// Whether this owner's pools are registered there: not under a pool, whose instances'
    /// subtrees come and go.
    pub(crate) registers: bool,
}

/// The pools of a tree's declared supervisors by their path from the root (`web/conns`), kept
/// by the supervisors that hold them: a worker reaches one without asking the supervisors,
/// which may be waiting for that worker's own init phase.
#[derive(Default)]
pub(crate) struct PoolRegistry(Mutex<foldhash::HashMap<String, PoolAccess>>);

impl PoolRegistry {
    /// Registers (or replaces, after its supervisor's restart) the pool at `access.path`.
    pub(crate) fn insert(&self, access: PoolAccess) {
        self.lock().insert(relative(&access.path), access);
    }

    pub(crate) fn remove(&self, path: &ChildPath) {
        self.lock().remove(&relative(path));
    }

    /// The pool that `target` (relative to the root) names, if one is registered.
    pub(crate) fn get(&self, target: &ChildRef) -> Option<PoolAccess> {
        self.lock().get(&target.to_string()).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, foldhash::HashMap<String, PoolAccess>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A full path as a path from the root: `app/web/conns` is `web/conns`.
fn relative(path: &ChildPath) -> String {
    path.segments().skip(1).collect::<Vec<_>>().join("/")
}

impl Owner {
    /// The owner of the children of the supervisor (or pool) whose own run is `run` and whose
    /// mailbox is `mailbox`.
    pub(crate) fn of(run: &Run, mailbox: &MailSender) -> Arc<Owner> {
        Owner::new(run, mailbox, true)
    }

    /// The owner of a pool's instances (see [`of`](Self::of)): their pools are not registered.
    pub(crate) fn of_pool(run: &Run, mailbox: &MailSender) -> Arc<Owner> {
        Owner::new(run, mailbox, false)
    }

    /// `registers` unless a parent's owner does not.
    fn new(run: &Run, mailbox: &MailSender, registers: bool) -> Arc<Owner> {
        let (root, pools, registers) = match &run.owner {
            Some(parent) => (
                parent.root.clone(),
                parent.pools.clone(),
                parent.registers && registers,
            ),
            // The root supervisor itself.
            None => (mailbox.clone(), Arc::default(), registers),
        };
        Arc::new(Owner {
            path: run.path().clone(),
            mailbox: mailbox.clone(),
            root,
            pools,
            registers,
        })
    }
}
