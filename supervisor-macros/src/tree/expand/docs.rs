//! The rustdoc of each generated supervisor type: a drawing of its tree and a table of its
//! children, so `cargo doc` shows the architecture.

use super::super::model::{Child, Partitions, PoolChild, Restart, Shutdown, Sup, Value};
use crate::names::{show_duration, type_name};

fn strategy(sup: &Sup) -> &'static str {
    sup.strategy.map(|(s, _)| s.name()).unwrap_or("one_for_one")
}

fn intensity(sup: &Sup) -> String {
    match &sup.intensity {
        Some(i) => format!("{} within {}", i.max_restarts, show_duration(i.period)),
        None => "1 within 5s".to_owned(),
    }
}

fn show_restart(restart: Option<(Restart, proc_macro2::Span)>, default: &str) -> String {
    restart.map_or_else(|| default.to_owned(), |(r, _)| r.name().to_owned())
}

fn show_shutdown(shutdown: Option<(Shutdown, proc_macro2::Span)>, default: &str) -> String {
    match shutdown {
        Some((Shutdown::Brutal, _)) => "brutal".to_owned(),
        Some((Shutdown::Infinity, _)) => "infinity".to_owned(),
        Some((Shutdown::Timeout(d), _)) => show_duration(d),
        None => default.to_owned(),
    }
}

const WORKERS_DEFAULT: &str = "worker's default";

fn restart(child: &Child) -> String {
    match child {
        Child::Worker(w) => show_restart(w.opts.restart, WORKERS_DEFAULT),
        Child::Supervisor(s) => show_restart(s.opts.restart, Restart::Permanent.name()),
        Child::Pool(p) => format!(
            "permanent (instances: {})",
            show_restart(p.instances.restart, WORKERS_DEFAULT)
        ),
    }
}

fn shutdown(child: &Child) -> String {
    match child {
        Child::Worker(w) => show_shutdown(w.opts.shutdown, WORKERS_DEFAULT),
        Child::Supervisor(s) => show_shutdown(s.opts.shutdown, "infinity"),
        Child::Pool(p) => format!(
            "infinity (instances: {})",
            show_shutdown(p.instances.shutdown, WORKERS_DEFAULT)
        ),
    }
}

/// A pool's limit, intensity and partitions: `at most 100, 1 within 5s, 4 partitions`.
fn pool_summary(pool: &PoolChild) -> String {
    let mut parts = vec![match pool.max_children {
        Some((max, _)) => format!("at most {max}"),
        None => "no limit".to_owned(),
    }];
    parts.push(match &pool.intensity {
        Some(i) => format!("{} within {}", i.max_restarts, show_duration(i.period)),
        None => "1 within 5s".to_owned(),
    });
    match pool.partitions {
        Some((Partitions::Fixed(1), _)) => parts.push("1 partition".to_owned()),
        Some((Partitions::Fixed(n), _)) => parts.push(format!("{n} partitions")),
        Some((Partitions::PerThread, _)) => parts.push("a partition per thread".to_owned()),
        None => {}
    }
    parts.join(", ")
}

/// The options a child's declaration sets, for the drawing: `[transient, shutdown 5s]`; a
/// pool's `restart` and `shutdown` are its instances': `[instances: temporary; depends on db]`.
fn declared_options(child: &Child) -> String {
    let (restart, shutdown) = match child {
        Child::Worker(w) => (w.opts.restart, w.opts.shutdown),
        Child::Supervisor(s) => (s.opts.restart, s.opts.shutdown),
        Child::Pool(p) => (p.instances.restart, p.instances.shutdown),
    };
    let mut parts = Vec::new();
    if let Some((r, _)) = restart {
        parts.push(r.name().to_owned());
    }
    if shutdown.is_some() {
        parts.push(format!("shutdown {}", show_shutdown(shutdown, "")));
    }
    if matches!(child, Child::Pool(_)) && !parts.is_empty() {
        parts = vec![format!("instances: {}", parts.join(", "))];
    }
    let opts = child.opts();
    if !opts.depends_on.is_empty() {
        let deps: Vec<String> = opts.depends_on.iter().map(|d| d.to_string()).collect();
        parts.push(format!("depends on {}", deps.join(", ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  [{}]", parts.join("; "))
    }
}

fn child_type(child: &Child) -> String {
    match child {
        Child::Worker(w) => {
            w.ty.as_ref()
                .map(type_name)
                .unwrap_or_else(|| "(inferred)".to_owned())
        }
        Child::Supervisor(s) => s.ty.to_string(),
        Child::Pool(p) => type_name(&p.ty),
    }
}

/// How the worker is built: declared in the tree, or left to a builder method; a pool's
/// instances are started at run time through its key on `sup_ty`.
fn source(child: &Child, prefix: &str, sup_ty: &syn::Ident) -> String {
    match child {
        Child::Worker(w) => match &w.value {
            Some(Value::Prototype(_)) => "declared value".to_owned(),
            Some(Value::Factory(_)) => "declared factory".to_owned(),
            None => format!("builder: `.{prefix}{}(…)`", w.name),
        },
        Child::Supervisor(_) => "—".to_owned(),
        Child::Pool(p) => format!(
            "instances at run time: `tree.pool({sup_ty}::{})`",
            super::pool::key_name(&p.name)
        ),
    }
}

fn draw(sup: &Sup, indent: &str, out: &mut String) {
    let count = sup.children.len();
    for (i, child) in sup.children.iter().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└── " } else { "├── " };
        let line = match child {
            Child::Worker(_) => format!(
                "{}: {}{}",
                child.name(),
                child_type(child),
                declared_options(child)
            ),
            Child::Pool(pool) => format!(
                "{}: pool of {}  ({}){}",
                child.name(),
                child_type(child),
                pool_summary(pool),
                declared_options(child)
            ),
            Child::Supervisor(nested) => format!(
                "{}: {}  ({}, {}){}",
                child.name(),
                nested.ty,
                strategy(nested),
                intensity(nested),
                declared_options(child)
            ),
        };
        out.push_str(indent);
        out.push_str(branch);
        out.push_str(&line);
        out.push('\n');
        if let Child::Supervisor(nested) = child {
            let deeper = format!("{indent}{}", if last { "    " } else { "│   " });
            draw(nested, &deeper, out);
        }
    }
}

/// Markdown for the generated type of `sup`, whose path is `path` (`app/web`) and whose open
/// children are filled by builder methods starting with `prefix` (`web_`).
pub(crate) fn supervisor_doc(sup: &Sup, path: &str, prefix: &str, root_ty: &syn::Ident) -> String {
    let mut doc = String::new();
    doc.push_str(&format!(
        "\n\n# Supervision tree\n\n```text\n{path}  ({}, {})\n",
        strategy(sup),
        intensity(sup),
    ));
    let mut drawing = String::new();
    draw(sup, "", &mut drawing);
    doc.push_str(&drawing);
    doc.push_str("```\n\n# Children\n\nIn start order; they stop in reverse order.\n\n");
    doc.push_str("| child | kind | type | restart | shutdown | depends on | built from |\n|---|---|---|---|---|---|---|\n");
    for child in &sup.children {
        let kind = match child {
            Child::Worker(_) => "worker".to_owned(),
            Child::Supervisor(_) => "supervisor".to_owned(),
            Child::Pool(pool) => format!("pool ({})", pool_summary(pool)),
        };
        let deps: Vec<String> = child
            .opts()
            .depends_on
            .iter()
            .map(|d| format!("`{d}`"))
            .collect();
        let deps = if deps.is_empty() {
            "—".to_owned()
        } else {
            deps.join(", ")
        };
        doc.push_str(&format!(
            "| `{path}/{}` | {kind} | `{}` | {} | {} | {deps} | {} |\n",
            child.name(),
            child_type(child),
            restart(child),
            shutdown(child),
            source(child, prefix, &sup.ty)
        ));
    }
    doc.push_str(&format!(
        "\nChildren are named in handle calls by [`{root_ty}Child`]."
    ));
    doc
}
