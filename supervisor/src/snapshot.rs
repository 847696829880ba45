//! The whole tree as data at one moment ([`TreeHandle::snapshot`]): each child's path, kind,
//! phase, generation, restarts, last failure, policies, each supervisor's strategy and the use
//! of its intensity, each pool's instances, and the tree's journal of recent events. It
//! renders as Mermaid or Graphviz DOT text, and (feature `serde`) serialises.
//!
//! No supervisor waits for another: each answers for its own children, and the handle asks
//! the nested ones in turn, so a snapshot never holds a supervisor while it restarts children.

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;

use crate::error::ChildError;
use crate::event::Event;
use crate::handle::{ChildInfo, Phase};
use crate::path::ChildPath;
use crate::pool::{InstanceInfo, PoolSettings};
use crate::runtime::command::{Command, Mail, Op};
use crate::runtime::mailbox::MailSender;
use crate::spec::{ChildType, Intensity, Strategy};

/// A tree at one moment ([`TreeHandle::snapshot`](crate::TreeHandle::snapshot)): each child's
/// path, kind, phase, generation, restarts, last failure and policies, each supervisor's
/// strategy and intensity use, each pool's instances, and the tree's journal of recent events.
/// It renders as Mermaid ([`to_mermaid`](Self::to_mermaid)) or Graphviz DOT
/// ([`to_dot`](Self::to_dot)), and serialises with serde (feature `serde`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Snapshot {
    /// The root supervisor and, through it, every child.
    pub root: SupervisorSnapshot,
    /// The tree's most recent events, oldest first (see
    /// [`SupervisorSpec::journal`](crate::SupervisorSpec::journal); empty without one).
    pub journal: Vec<Event>,
}

/// A running supervisor and its children.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SupervisorSnapshot {
    /// Its path.
    pub path: ChildPath,
    /// Its strategy.
    pub strategy: Strategy,
    /// Its intensity.
    pub intensity: Intensity,
    /// The restarts within its period now: how close it is to giving up.
    pub restarts_in_period: usize,
    /// Its children, in start order.
    pub children: Vec<ChildSnapshot>,
}

/// One child of a supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChildSnapshot {
    /// Its path, type, phase, policies, starts, restarts and last failure.
    pub info: ChildInfo,
    /// What it is, with what runs under it.
    pub node: Node,
}

/// What a child is, in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Node {
    /// A worker.
    Worker,
    /// A running nested supervisor (a pool with partitions is one, of its partitions).
    Supervisor(SupervisorSnapshot),
    /// A running pool (or partition) and its instances.
    Pool(PoolSnapshot),
    /// A supervisor or pool that is not running: nothing runs under it.
    NotRunning,
}

/// A running pool (or one partition of it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PoolSnapshot {
    /// Its settings.
    pub settings: PoolSettings,
    /// Its instances, in start order.
    pub instances: Vec<InstanceInfo>,
}

/// What one supervisor (or pool) answers about itself.
pub(crate) enum Local {
    Supervisor {
        strategy: Strategy,
        intensity: Intensity,
        restarts_in_period: usize,
        /// Each child, with the mailbox of a running nested supervisor or pool.
        children: Vec<(ChildInfo, Option<MailSender>)>,
    },
    Pool {
        settings: PoolSettings,
        instances: Vec<InstanceInfo>,
    },
}

/// Asks the supervisor (or pool) at `path`, whose mailbox is `mailbox`, and those under it.
pub(crate) fn collect(
    mailbox: MailSender,
    path: ChildPath,
) -> Pin<Box<dyn Future<Output = Result<Node, ChildError>> + Send>> {
    Box::pin(async move {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let command = Command {
            target: crate::path::ChildRef::from_segments(std::iter::empty::<&str>()),
            depth: 0,
            op: Op::Snapshot(tx),
        };
        let gone = || ChildError::SupervisorNotRunning { path: path.clone() };
        mailbox.send(Mail::Command(command)).map_err(|_| gone())?;
        match rx.await.map_err(|_| gone())?? {
            Local::Pool {
                settings,
                instances,
            } => Ok(Node::Pool(PoolSnapshot {
                settings,
                instances,
            })),
            Local::Supervisor {
                strategy,
                intensity,
                restarts_in_period,
                children,
            } => {
                let mut nodes = Vec::with_capacity(children.len());
                for (info, mailbox) in children {
                    let node = match (info.child_type, mailbox) {
                        (ChildType::Worker, _) => Node::Worker,
                        (ChildType::Supervisor, None) => Node::NotRunning,
                        // It may stop between the two answers: then it is not running.
                        (ChildType::Supervisor, Some(mailbox)) => {
                            collect(mailbox, info.path.clone())
                                .await
                                .unwrap_or(Node::NotRunning)
                        }
                    };
                    nodes.push(ChildSnapshot { info, node });
                }
                Ok(Node::Supervisor(SupervisorSnapshot {
                    path,
                    strategy,
                    intensity,
                    restarts_in_period,
                    children: nodes,
                }))
            }
        }
    })
}

/// How a child is drawn: its class, by its state.
fn class(info: &ChildInfo) -> &'static str {
    match info.phase {
        Phase::Restarting | Phase::Delayed { .. } => "restarting",
        Phase::Paused | Phase::Quarantined => "held",
        Phase::Stopped => "stopped",
        _ if info.last_failure.is_some() => "failed",
        _ => "running",
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Running => "running",
        Phase::Restarting => "restarting",
        Phase::Delayed { .. } => "waiting to restart",
        Phase::Stopped => "stopped",
        Phase::Paused => "paused",
        Phase::Quarantined => "quarantined",
    }
}

fn strategy_name(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::OneForOne => "one_for_one",
        Strategy::OneForAll => "one_for_all",
        Strategy::RestForOne => "rest_for_one",
    }
}

/// A node of the drawing: an id, its label lines, its class, its children's ids.
struct Drawn {
    id: usize,
    label: Vec<String>,
    class: &'static str,
    parent: Option<usize>,
}

impl Snapshot {
    /// Every node of the tree in drawing order, root first.
    fn drawn(&self) -> Vec<Drawn> {
        let mut out = Vec::new();
        let root = &self.root;
        out.push(Drawn {
            id: 0,
            label: vec![
                root.path.name().to_owned(),
                format!(
                    "{}, {}/{} restarts",
                    strategy_name(root.strategy),
                    root.restarts_in_period,
                    root.intensity.max_restarts
                ),
            ],
            class: "supervisor",
            parent: None,
        });
        draw_children(&root.children, 0, &mut out);
        out
    }

    /// The tree as a Mermaid flowchart, drawn as the tree's rustdoc drawing is (root on top,
    /// children in start order), with its live state: failed, restarting, held (paused or
    /// quarantined) and stopped children marked by their class.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart TD\n");
        let nodes = self.drawn();
        for node in &nodes {
            let label = node.label.join("<br/>").replace('"', "'");
            let _ = writeln!(out, "    n{}[\"{label}\"]:::{}", node.id, node.class);
        }
        for node in &nodes {
            if let Some(parent) = node.parent {
                let _ = writeln!(out, "    n{parent} --> n{}", node.id);
            }
        }
        out.push_str(
            "    classDef supervisor fill:#dde8f8,stroke:#3060a0\n\
             \x20   classDef running fill:#e3f4e3,stroke:#2e7d32\n\
             \x20   classDef failed fill:#fbe3c8,stroke:#c76d00\n\
             \x20   classDef restarting fill:#fff2b3,stroke:#b08800\n\
             \x20   classDef held fill:#e8e0f4,stroke:#6a4fa0\n\
             \x20   classDef stopped fill:#eeeeee,stroke:#777777\n",
        );
        out
    }

    /// The tree as Graphviz DOT text, with the same live state as [`to_mermaid`](Self::to_mermaid).
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph tree {\n    node [shape=box, style=\"rounded,filled\"];\n");
        for node in self.drawn() {
            let color = match node.class {
                "supervisor" => "#dde8f8",
                "failed" => "#fbe3c8",
                "restarting" => "#fff2b3",
                "held" => "#e8e0f4",
                "stopped" => "#eeeeee",
                _ => "#e3f4e3",
            };
            let label = node.label.join("\\n").replace('"', "'");
            let _ = writeln!(
                out,
                "    n{} [label=\"{label}\", fillcolor=\"{color}\", class=\"{}\"];",
                node.id, node.class
            );
            if let Some(parent) = node.parent {
                let _ = writeln!(out, "    n{parent} -> n{};", node.id);
            }
        }
        out.push_str("}\n");
        out
    }
}

fn draw_children(children: &[ChildSnapshot], parent: usize, out: &mut Vec<Drawn>) {
    for child in children {
        let info = &child.info;
        let id = out.len();
        let mut label = vec![info.path.name().to_owned()];
        let what = match &child.node {
            Node::Worker => "worker".to_owned(),
            Node::Supervisor(sup) => format!(
                "supervisor, {}, {}/{} restarts",
                strategy_name(sup.strategy),
                sup.restarts_in_period,
                sup.intensity.max_restarts
            ),
            Node::Pool(pool) => match pool.settings.max_children {
                Some(max) => format!("pool, {}/{max} instances", pool.instances.len()),
                None => format!("pool, {} instances", pool.instances.len()),
            },
            Node::NotRunning => "supervisor".to_owned(),
        };
        label.push(format!("{what}: {}", phase_name(info.phase)));
        if info.restart_count > 0 {
            label.push(format!("restarted {}x", info.restart_count));
        }
        if let Some(record) = &info.last_failure {
            label.push(format!("last failure: {}", record.failure));
        }
        out.push(Drawn {
            id,
            label,
            class: class(info),
            parent: Some(parent),
        });
        if let Node::Supervisor(sup) = &child.node {
            draw_children(&sup.children, id, out);
        }
    }
}

/// Instants as signed nanoseconds from a process-wide origin (fixed at the first tree's
/// start), so that a snapshot or an event read back in the same process has the very same
/// times; across processes they are only comparable among themselves.
#[cfg(feature = "serde")]
pub(crate) mod instant {
    use std::sync::OnceLock;
    use tokio::time::Instant;

    static ORIGIN: OnceLock<Instant> = OnceLock::new();

    fn origin() -> Instant {
        *ORIGIN.get_or_init(Instant::now)
    }

    pub(crate) fn serialize<S: serde::Serializer>(at: &Instant, s: S) -> Result<S::Ok, S::Error> {
        let origin = origin();
        let nanos = match at.checked_duration_since(origin) {
            Some(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
            None => -i64::try_from(origin.duration_since(*at).as_nanos()).unwrap_or(i64::MAX),
        };
        s.serialize_i64(nanos)
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let nanos: i64 = serde::Deserialize::deserialize(d)?;
        let origin = origin();
        let offset = std::time::Duration::from_nanos(nanos.unsigned_abs());
        Ok(if nanos >= 0 {
            origin + offset
        } else {
            origin - offset
        })
    }

    /// Fixes the origin, at the latest when a tree starts (so every time is after it).
    pub(crate) fn touch() {
        origin();
    }
}
