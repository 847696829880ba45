//! The rustdoc of each generated supervisor type: a drawing of its tree and a table of its
//! children, so `cargo doc` shows the architecture.

use quote::ToTokens;

use super::super::model::{Child, Restart, Shutdown, Sup, Value};
use crate::names::show_duration;

fn type_name(ty: &impl ToTokens) -> String {
    let raw = ty.to_token_stream().to_string();
    raw.replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

fn strategy(sup: &Sup) -> &'static str {
    sup.strategy.map(|(s, _)| s.name()).unwrap_or("one_for_one")
}

fn intensity(sup: &Sup) -> String {
    match &sup.intensity {
        Some(i) => format!("{} within {}", i.max_restarts, show_duration(i.period)),
        None => "1 within 5s".to_owned(),
    }
}

fn restart(child: &Child) -> String {
    match (child.opts().restart, child) {
        (Some((r, _)), _) => r.name().to_owned(),
        (None, Child::Supervisor(_)) => Restart::Permanent.name().to_owned(),
        (None, Child::Worker(_)) => "worker's default".to_owned(),
    }
}

fn shutdown(child: &Child) -> String {
    match (child.opts().shutdown, child) {
        (Some((Shutdown::Brutal, _)), _) => "brutal".to_owned(),
        (Some((Shutdown::Infinity, _)), _) | (None, Child::Supervisor(_)) => "infinity".to_owned(),
        (Some((Shutdown::Timeout(d), _)), _) => show_duration(d),
        (None, Child::Worker(_)) => "worker's default".to_owned(),
    }
}

/// The options a child's declaration sets, for the drawing: `[transient, shutdown 5s]`.
fn declared_options(child: &Child) -> String {
    let opts = child.opts();
    let mut parts = Vec::new();
    if opts.restart.is_some() {
        parts.push(restart(child));
    }
    if opts.shutdown.is_some() {
        parts.push(format!("shutdown {}", shutdown(child)));
    }
    if !opts.depends_on.is_empty() {
        let deps: Vec<String> = opts.depends_on.iter().map(|d| d.to_string()).collect();
        parts.push(format!("depends on {}", deps.join(", ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  [{}]", parts.join(", "))
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
    }
}

/// How the worker is built: declared in the tree, or left to a builder method.
fn source(child: &Child, prefix: &str) -> String {
    match child {
        Child::Worker(w) => match &w.value {
            Some(Value::Prototype(_)) => "declared value".to_owned(),
            Some(Value::Factory(_)) => "declared factory".to_owned(),
            None => format!("builder: `.{prefix}{}(…)`", w.name),
        },
        Child::Supervisor(_) => "—".to_owned(),
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
            Child::Worker(_) => "worker",
            Child::Supervisor(_) => "supervisor",
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
            source(child, prefix)
        ));
    }
    doc.push_str(&format!(
        "\nChildren are named in handle calls by [`{root_ty}Child`]."
    ));
    doc
}
