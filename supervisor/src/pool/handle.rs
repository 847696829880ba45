//! The typed side of a running pool: [`PoolKey`] names it, [`PoolHandle`] starts, terminates,
//! lists and counts its instances ([`InstanceId`], [`InstanceInfo`]), and [`PoolError`] says
//! why a call failed.

use std::collections::VecDeque;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::oneshot;

use super::{Cloner, PoolAccess, PoolKind, PoolSettings, StartArgs, TemplateOf};
use crate::error::ChildError;
use crate::exit::Failure;
use crate::handle::{ChildCounts, ChildInfo};
use crate::path::ChildPath;
use crate::runtime::command::{InstanceStart, Mail, PoolRequest};
use crate::runtime::mailbox::MailSender;
use crate::spec::Restart;

/// Names a pool of a tree with its argument type, so that the handle it gives is typed:
/// `supervision_tree!` generates one per pool (`App::CONNS`); a hand-built tree makes its own
/// with [`PoolKey::new`].
pub struct PoolKey<K, A> {
    key: K,
    _args: PhantomData<fn(A) -> A>,
}

impl<K, A> PoolKey<K, A> {
    /// The pool named by `key` (a child key of its tree), started from `A`s.
    pub const fn new(key: K) -> Self {
        PoolKey {
            key,
            _args: PhantomData,
        }
    }

    /// The pool's child key.
    pub fn key(&self) -> &K {
        &self.key
    }
}

impl<K: Clone, A> Clone for PoolKey<K, A> {
    fn clone(&self) -> Self {
        PoolKey::new(self.key.clone())
    }
}

impl<K: Copy, A> Copy for PoolKey<K, A> {}

impl<K: fmt::Debug, A> fmt::Debug for PoolKey<K, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PoolKey").field(&self.key).finish()
    }
}

/// An instance of a pool: stable across its restarts (each run has a generation of its own).
/// Its last path segment is [`serial`](Self::serial).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId {
    pub(crate) partition: u32,
    pub(crate) slot: u32,
    pub(crate) serial: u64,
}

impl InstanceId {
    /// The instance's number within its partition, in start order from 0; never reused.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The partition the instance runs in.
    pub fn partition(&self) -> usize {
        self.partition as usize
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.partition, self.serial)
    }
}

/// One instance of a pool, as the pool sees it.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceInfo {
    /// Its id.
    pub id: InstanceId,
    /// Its path, phase, restart policy, starts, restarts and last failure.
    pub child: ChildInfo,
}

/// Why a pool's handle call failed. Each variant names the pool's path or the instance's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// The pool holds `max_children` instances already (those waiting to be restarted count).
    #[error("pool `{path}` is full: it holds its maximum of {max} instances")]
    MaxChildren {
        /// The pool's (or partition's) path.
        path: ChildPath,
        /// Its limit.
        max: usize,
    },
    /// The instance failed to start (its init phase failed or panicked, or its factory did);
    /// nothing was kept.
    #[error("instance `{path}` failed to start: {failure}")]
    StartFailed {
        /// The instance's path.
        path: ChildPath,
        /// What went wrong.
        failure: Failure,
    },
    /// The instance's init phase decided not to run (OTP's `ignore`); nothing was kept.
    #[error("instance `{path}` ignored its start")]
    Ignored {
        /// The instance's path.
        path: ChildPath,
    },
    /// The pool is shutting down, or not running (stopped, or being restarted).
    #[error("pool `{path}` is not running")]
    NotRunning {
        /// The pool's (or partition's) path.
        path: ChildPath,
    },
    /// No instance has this id (it ended, or was terminated).
    #[error("pool `{path}` has no instance {id}")]
    NotFound {
        /// The pool's path.
        path: ChildPath,
        /// The id asked for.
        id: InstanceId,
    },
}

/// Starts, terminates, lists and counts the instances of one pool; typed by what an instance
/// is started from. Cheap to clone; keeps working across the pool's own restarts.
pub struct PoolHandle<A> {
    path: ChildPath,
    kind: Arc<PoolKind>,
    _args: PhantomData<fn(A) -> A>,
}

impl<A> Clone for PoolHandle<A> {
    fn clone(&self) -> Self {
        PoolHandle {
            path: self.path.clone(),
            kind: self.kind.clone(),
            _args: PhantomData,
        }
    }
}

impl<A> fmt::Debug for PoolHandle<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolHandle")
            .field("path", &self.path)
            .finish()
    }
}

/// How many instances of a batch go to a partition in one message (see
/// [`PoolHandle::start_batch`]).
pub(crate) const BATCH_CHUNK: usize = 256;

/// How many instances a chunk of a batch holds, and the receiver of their results.
type BatchReply = (
    usize,
    Option<oneshot::Receiver<Vec<Result<InstanceId, PoolError>>>>,
);

impl<A: Send + 'static> PoolHandle<A> {
    /// The typed handle of the pool a supervisor answered with, if its instances start from
    /// `A`s.
    pub(crate) fn from_access(access: PoolAccess) -> Result<Self, ChildError> {
        if !access.kind.template.is::<TemplateOf<A>>() {
            return Err(ChildError::PoolArguments {
                path: access.path,
                expected: std::any::type_name::<A>(),
            });
        }
        Ok(PoolHandle {
            path: access.path,
            kind: access.kind,
            _args: PhantomData,
        })
    }

    /// The pool's path.
    pub fn path(&self) -> &ChildPath {
        &self.path
    }

    /// The pool's settings, every default filled in.
    pub fn settings(&self) -> PoolSettings {
        self.kind.settings
    }

    /// Starts an instance from `args` with the pool's restart policy, in the next partition in
    /// turn, and returns its id once it runs (after its init phase, if it has one). A restart
    /// starts it from the same arguments; a temporary instance's are not kept.
    pub async fn start(&self, args: A) -> Result<InstanceId, PoolError>
    where
        A: Clone + Sync,
    {
        self.start_with(args, self.kind.settings.restart).await
    }

    /// Starts an instance with its own restart policy (see [`start`](Self::start)).
    pub async fn start_with(&self, args: A, restart: Restart) -> Result<InstanceId, PoolError>
    where
        A: Clone + Sync,
    {
        let instance = self.instance(args, restart);
        self.send_start(None, instance).await
    }

    /// Starts a temporary instance: never restarted, so `args` need not be `Clone` (a
    /// connection's socket, say); they are dropped with the instance.
    pub async fn start_temporary(&self, args: A) -> Result<InstanceId, PoolError> {
        let instance = InstanceStart {
            args: Box::new(StartArgs {
                args: VecDeque::from([args]),
                clone: None,
            }),
            count: 1,
            restart: Restart::Temporary,
        };
        self.send_start(None, instance).await
    }

    /// Starts an instance (see [`start`](Self::start)) in the partition that `key` hashes to,
    /// so that instances of one key share a partition.
    pub async fn start_keyed(&self, key: &impl Hash, args: A) -> Result<InstanceId, PoolError>
    where
        A: Clone + Sync,
    {
        let instance = self.instance(args, self.kind.settings.restart);
        let hash = foldhash::fast::FixedState::default().hash_one(key);
        self.send_start(Some(hash), instance).await
    }

    /// Starts one instance per item and returns their ids (or why each did not start) in the
    /// order given; the instances are spread over the partitions in turn. Far cheaper than one
    /// `start` per instance: the items are sent in chunks of 256 a partition, so that a
    /// partition starts the first while later ones are being prepared, and a batch of any size
    /// holds at most a chunk per partition in flight besides the ids.
    pub async fn start_batch(
        &self,
        args: impl IntoIterator<Item = A>,
    ) -> Vec<Result<InstanceId, PoolError>>
    where
        A: Clone + Sync,
    {
        let restart = self.kind.settings.restart;
        let partitions = self.kind.cell.all();
        let n = partitions.len().max(1);
        let args = args.into_iter();
        // Spread in turn, from the partition the next start would go to.
        let first = self
            .kind
            .cell
            .next
            .fetch_add(args.size_hint().0, Ordering::Relaxed);
        // Each chunk is made at its full size at once (growing it by doubling copied it 8 times).
        let chunk_size = |expected: usize| expected.div_ceil(n).clamp(1, BATCH_CHUNK);
        let expected = args.size_hint().0;
        let mut filling: Vec<VecDeque<A>> = (0..n)
            .map(|_| VecDeque::with_capacity(chunk_size(expected)))
            .collect();
        // Per partition, the replies to its chunks, in the order sent.
        let mut replies: Vec<Vec<BatchReply>> = (0..n).map(|_| Vec::new()).collect();
        let mut total = 0;
        for (i, a) in args.enumerate() {
            let p = (first + i) % n;
            filling[p].push_back(a);
            total += 1;
            if filling[p].len() == BATCH_CHUNK {
                let left = expected.saturating_sub(i + 1);
                let chunk =
                    std::mem::replace(&mut filling[p], VecDeque::with_capacity(chunk_size(left)));
                replies[p].push(self.send_chunk(&partitions, p, chunk, restart));
            }
        }
        for (p, chunk) in filling.into_iter().enumerate() {
            if !chunk.is_empty() {
                replies[p].push(self.send_chunk(&partitions, p, chunk, restart));
            }
        }
        // In the order given: each partition's chunks are taken in the order sent, one at a
        // time, so the results are never held twice.
        let mut replies: Vec<std::vec::IntoIter<BatchReply>> =
            replies.into_iter().map(Vec::into_iter).collect();
        let mut current: Vec<std::vec::IntoIter<Result<InstanceId, PoolError>>> =
            (0..n).map(|_| Vec::new().into_iter()).collect();
        let mut ids = Vec::with_capacity(total);
        for i in 0..total {
            let p = (first + i) % n;
            if current[p].len() == 0
                && let Some((count, rx)) = replies[p].next()
            {
                let got = match rx {
                    Some(rx) => rx.await.ok(),
                    None => None,
                };
                current[p] = got
                    .unwrap_or_else(|| (0..count).map(|_| Err(self.not_running(p))).collect())
                    .into_iter();
            }
            ids.push(
                current[p]
                    .next()
                    .unwrap_or_else(|| Err(self.not_running(p))),
            );
        }
        ids
    }

    /// Sends one chunk of a batch to partition `p`: how many it holds, and where its results
    /// will come (`None` if the partition is not running).
    fn send_chunk(
        &self,
        partitions: &[Option<MailSender>],
        p: usize,
        args: VecDeque<A>,
        restart: Restart,
    ) -> BatchReply
    where
        A: Clone + Sync,
    {
        let count = args.len();
        let instances = InstanceStart {
            args: Box::new(Self::start_args(args, restart)),
            count,
            restart,
        };
        let (tx, rx) = oneshot::channel();
        let sent = match partitions.get(p).cloned().flatten() {
            Some(mailbox) => mailbox
                .send(Mail::Pool(PoolRequest::StartBatch {
                    instances,
                    reply: tx,
                }))
                .is_ok(),
            None => false,
        };
        (count, sent.then_some(rx))
    }

    /// Stops an instance with its shutdown and forgets it (it is not restarted, whatever its
    /// policy). Never counts toward the intensity.
    pub async fn terminate(&self, id: InstanceId) -> Result<(), PoolError> {
        self.ask(id.partition(), |reply| PoolRequest::Terminate { id, reply })
            .await?
    }

    /// The current state of an instance.
    pub async fn info(&self, id: InstanceId) -> Result<InstanceInfo, PoolError> {
        self.ask(id.partition(), |reply| PoolRequest::Info { id, reply })
            .await?
    }

    /// Every instance, partition by partition, each partition's in start order.
    pub async fn instances(&self) -> Result<Vec<InstanceInfo>, PoolError> {
        let mut all = Vec::new();
        for p in 0..self.kind.cell.all().len() {
            all.extend(self.ask(p, |reply| PoolRequest::List { reply }).await?);
        }
        Ok(all)
    }

    /// Counts the instances, as OTP counts a `simple_one_for_one` supervisor's children:
    /// `specs` is 1, `active` those running, `restarting` those waiting for a restart, and
    /// `workers` or `supervisors` all of them.
    pub async fn count(&self) -> Result<ChildCounts, PoolError> {
        let mut total = ChildCounts {
            specs: 1,
            ..ChildCounts::default()
        };
        for p in 0..self.kind.cell.all().len() {
            let counts = self.ask(p, |reply| PoolRequest::Count { reply }).await?;
            total.active += counts.active;
            total.restarting += counts.restarting;
            total.workers += counts.workers;
            total.supervisors += counts.supervisors;
        }
        Ok(total)
    }

    /// One instance's start from `args`.
    fn instance(&self, args: A, restart: Restart) -> InstanceStart
    where
        A: Clone + Sync,
    {
        InstanceStart {
            args: Box::new(Self::start_args(VecDeque::from([args]), restart)),
            count: 1,
            restart,
        }
    }

    /// Arguments to send, with how to clone them unless the instances are temporary (OTP
    /// stores no arguments for a temporary child: they are used once).
    fn start_args(args: VecDeque<A>, restart: Restart) -> StartArgs<A>
    where
        A: Clone + Sync,
    {
        let clone: Option<Cloner<A>> = match restart {
            Restart::Temporary => None,
            Restart::Permanent | Restart::Transient => Some(A::clone),
        };
        StartArgs { args, clone }
    }

    async fn send_start(
        &self,
        key: Option<u64>,
        instance: InstanceStart,
    ) -> Result<InstanceId, PoolError> {
        let (p, mailbox) = self.kind.cell.pick(key);
        let mailbox = mailbox.ok_or_else(|| self.not_running(p))?;
        let (tx, rx) = oneshot::channel();
        mailbox
            .send(Mail::Pool(PoolRequest::Start {
                instance,
                reply: tx,
            }))
            .map_err(|_| self.not_running(p))?;
        rx.await.map_err(|_| self.not_running(p))?
    }

    async fn ask<T>(
        &self,
        p: usize,
        request: impl FnOnce(oneshot::Sender<T>) -> PoolRequest,
    ) -> Result<T, PoolError> {
        let mailbox = self
            .kind
            .cell
            .partition(p)
            .ok_or_else(|| self.not_running(p))?;
        let (tx, rx) = oneshot::channel();
        mailbox
            .send(Mail::Pool(request(tx)))
            .map_err(|_| self.not_running(p))?;
        rx.await.map_err(|_| self.not_running(p))
    }

    fn not_running(&self, p: usize) -> PoolError {
        let path = if self.kind.cell.all().len() > 1 {
            self.path.join(format!("p{p}"))
        } else {
            self.path.clone()
        };
        PoolError::NotRunning { path }
    }
}
