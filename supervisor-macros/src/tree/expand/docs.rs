//! The rustdoc of each generated supervisor type: a drawing of its tree and a table of every
//! child under it, so `cargo doc` shows the architecture.
//!
//! A child that sets no `restart` or `shutdown` gets its worker type's `Worker::RESTART` and
//! `Worker::SHUTDOWN`. Those are constants of another item (set by `#[worker(…)]` on it, or by
//! a hand-written impl, possibly in another crate), known to the compiler only after macros
//! have run, while a doc string is fixed when the macro runs (`#[doc = …]` takes a literal, or
//! a macro that expands to one, never a constant). So the table says "default of `Conn`",
//! linked to the type, whose page shows its `Worker` impl and its constants.

use syn::{Attribute, Expr, Lit, Meta, Type};

use super::super::model::{
    AutoShutdown, BackoffDecl, BackoffKind, Child, Partitions, PoolChild, Restart, Shutdown, Sup,
    Value,
};
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

/// `exponential 100ms to 30s, jitter full, reset 1m`, as declared.
fn show_backoff(b: &BackoffDecl) -> String {
    let mut shown = match b.kind {
        BackoffKind::None => "none".to_owned(),
        BackoffKind::Fixed(d) => format!("fixed {}", show_duration(d)),
        BackoffKind::Exponential(base, max) => {
            format!(
                "exponential {} to {}",
                show_duration(base),
                show_duration(max)
            )
        }
    };
    if let Some(j) = b.jitter {
        shown.push_str(&format!(", jitter {}", j.name()));
    }
    if let Some(d) = b.reset {
        shown.push_str(&format!(", reset {}", show_duration(d)));
    }
    shown
}

/// The backoff a child restarts with: its own, else its supervisor's default for its
/// children, else none (a pool's is its instances').
fn backoff(child: &Child, sup: &Sup) -> String {
    let own = match child {
        Child::Worker(w) => w.opts.backoff,
        Child::Supervisor(s) => s.opts.backoff,
        Child::Pool(p) => p.instances.backoff,
    };
    let shown = match (own, sup.backoff) {
        (Some(b), _) => show_backoff(&b),
        (None, Some(b)) => format!("{} (`{}`'s default)", show_backoff(&b), sup.ty),
        (None, None) => "none".to_owned(),
    };
    match child {
        Child::Pool(_) => format!("instances: {shown}"),
        _ => shown,
    }
}

fn significant(child: &Child) -> &'static str {
    if child.opts().significant.is_some() {
        "yes"
    } else {
        "—"
    }
}

fn quarantine(child: &Child) -> String {
    match &child.opts().quarantine {
        Some(q) => format!("{} within {}", q.max_restarts, show_duration(q.period)),
        None => "—".to_owned(),
    }
}

/// A child's liveness settings: `heartbeat 5s, start 10s` (a pool's are its instances');
/// `—` for none.
fn liveness(child: &Child) -> String {
    let (heartbeat, start_timeout) = match child {
        Child::Pool(p) => (p.instances.heartbeat, p.instances.start_timeout),
        _ => (child.opts().heartbeat, child.opts().start_timeout),
    };
    let mut parts = Vec::new();
    if let Some(d) = heartbeat {
        parts.push(format!("heartbeat {}", show_duration(d)));
    }
    if let Some(d) = start_timeout {
        parts.push(format!("start {}", show_duration(d)));
    }
    match (parts.is_empty(), child) {
        (true, _) => "—".to_owned(),
        (false, Child::Pool(_)) => format!("instances: {}", parts.join(", ")),
        (false, _) => parts.join(", "),
    }
}

/// `, auto_shutdown any_significant` for a supervisor that sets one other than `never`.
fn auto_shutdown(sup: &Sup) -> &'static str {
    match sup.auto_shutdown {
        Some((AutoShutdown::AnySignificant, _)) => ", auto_shutdown any_significant",
        Some((AutoShutdown::AllSignificant, _)) => ", auto_shutdown all_significant",
        _ => "",
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

/// The target of an intra-doc link to `ty`, from the module the generated types live in (a
/// child of the one the tree is declared in); `None` for a type that is not a plain path.
fn link_target(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let mut segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.first().map(String::as_str) {
        Some("self") => segments[0] = "super".to_owned(),
        Some("super") => segments.insert(0, "super".to_owned()),
        _ => {}
    }
    let leading = if path.path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    Some(format!("{leading}{}", segments.join("::")))
}

/// `` [`Conn`](Conn) ``, or `` `(A, B)` `` for a type no link can name.
fn linked_type(ty: &Type) -> String {
    let shown = type_name(ty);
    match link_target(ty) {
        Some(target) => format!("[`{shown}`]({target})"),
        None => format!("`{shown}`"),
    }
}

/// The default of a worker type, for a child that sets none: "default of [`Conn`]".
fn default_of(ty: Option<&Type>) -> String {
    match ty {
        Some(ty) => format!("default of {}", linked_type(ty)),
        None => "the worker's default".to_owned(),
    }
}

fn restart(child: &Child) -> String {
    match child {
        Child::Worker(w) => show_restart(w.opts.restart, &default_of(w.ty.as_ref())),
        Child::Supervisor(s) => show_restart(s.opts.restart, Restart::Permanent.name()),
        Child::Pool(p) => format!(
            "permanent (instances: {})",
            show_restart(p.instances.restart, &default_of(Some(&p.ty)))
        ),
    }
}

fn shutdown(child: &Child) -> String {
    match child {
        Child::Worker(w) => show_shutdown(w.opts.shutdown, &default_of(w.ty.as_ref())),
        Child::Supervisor(s) => show_shutdown(s.opts.shutdown, "infinity"),
        Child::Pool(p) => format!(
            "infinity (instances: {})",
            show_shutdown(p.instances.shutdown, &default_of(Some(&p.ty)))
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
    if opts.significant.is_some() {
        parts.push("significant".to_owned());
    }
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

/// The type as written, for the drawing.
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

/// The type as a link, for the table.
fn child_type_linked(child: &Child) -> String {
    match child {
        Child::Worker(w) => {
            w.ty.as_ref()
                .map(linked_type)
                .unwrap_or_else(|| "inferred from the value".to_owned())
        }
        Child::Supervisor(s) => format!("[`{0}`]({0})", s.ty),
        Child::Pool(p) => linked_type(&p.ty),
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

/// The first paragraph of a child's `///` doc, on one line, for a table cell.
fn summary(docs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in docs {
        let Meta::NameValue(meta) = &attr.meta else {
            continue;
        };
        let Expr::Lit(lit) = &meta.value else {
            continue;
        };
        let Lit::Str(text) = &lit.lit else { continue };
        let text = text.value();
        let line = text.trim();
        if line.is_empty() {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(line.to_owned());
    }
    if lines.is_empty() {
        return "—".to_owned();
    }
    lines.join(" ").replace('|', "\\|")
}

fn child_docs(child: &Child) -> &[Attribute] {
    match child {
        Child::Worker(w) => &w.docs,
        Child::Supervisor(s) => &s.docs,
        Child::Pool(p) => &p.docs,
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
                "{}: {}  ({}, {}{}){}",
                child.name(),
                nested.ty,
                strategy(nested),
                intensity(nested),
                auto_shutdown(nested),
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

/// One row per child of `sup` and, after each nested supervisor's row, its own children's:
/// the whole subtree, in start order.
fn rows(sup: &Sup, path: &str, prefix: &str, out: &mut String) {
    for child in &sup.children {
        let kind = match child {
            Child::Worker(_) => "worker".to_owned(),
            Child::Supervisor(nested) => {
                format!(
                    "supervisor ({}, {}{})",
                    strategy(nested),
                    intensity(nested),
                    auto_shutdown(nested)
                )
            }
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
        let child_path = format!("{path}/{}", child.name());
        out.push_str(&format!(
            "| `{child_path}` | {kind} | {} | {} | {} | {} | {} | {} | {} | {deps} | {} | {} |\n",
            child_type_linked(child),
            restart(child),
            shutdown(child),
            backoff(child, sup),
            significant(child),
            quarantine(child),
            liveness(child),
            source(child, prefix, &sup.ty),
            summary(child_docs(child)),
        ));
        if let Child::Supervisor(nested) = child {
            rows(
                nested,
                &child_path,
                &format!("{prefix}{}_", nested.name),
                out,
            );
        }
    }
}

/// Markdown for the generated type of `sup`, whose path is `path` (`app/web`) and whose open
/// children are filled by builder methods starting with `prefix` (`web_`), in the tree `root`.
pub(crate) fn supervisor_doc(sup: &Sup, path: &str, prefix: &str, root: &Sup) -> String {
    let mut doc = String::new();
    doc.push_str(&format!(
        "\n\n# Supervision tree\n\n```text\n{path}  ({}, {}{})\n",
        strategy(sup),
        intensity(sup),
        auto_shutdown(sup),
    ));
    let mut drawing = String::new();
    draw(sup, "", &mut drawing);
    doc.push_str(&drawing);
    doc.push_str("```\n\n# Children\n\n");
    doc.push_str(
        "Every child under this supervisor, in start order (a nested supervisor's own children \
         follow it); they stop in reverse order.\n\n",
    );
    doc.push_str("| child | kind | type | restart | shutdown | backoff | significant | quarantine | liveness | depends on | built from | about |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    rows(sup, path, prefix, &mut doc);
    doc.push_str(
        "\n*default of `T`*: the worker type's own `Worker::RESTART` or `Worker::SHUTDOWN` \
         (`permanent` and `5s` unless its `#[worker(…)]` or its impl sets them), shown on its \
         page.\n\n",
    );
    doc.push_str(
        "*depends on*: checked when the tree compiles — each is an earlier sibling, under \
         `rest_for_one` or `one_for_all`, so that its restart restarts the dependent. It adds \
         nothing at run time: children start in the order above, each once the one before it \
         has started (a worker with an init phase, or one that signals readiness, once it is \
         ready; any other as soon as its task is spawned).\n\n",
    );
    doc.push_str(&format!(
        "Children are named in handle calls by [`{}Child`].",
        root.ty
    ));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_types_from_the_generated_module() {
        let link = |ty: &str| linked_type(&syn::parse_str(ty).unwrap());
        assert_eq!(link("Conn"), "[`Conn`](Conn)");
        assert_eq!(link("Scripted<true>"), "[`Scripted<true>`](Scripted)");
        assert_eq!(link("crate::db::Db"), "[`crate::db::Db`](crate::db::Db)");
        assert_eq!(link("self::db::Db"), "[`self::db::Db`](super::db::Db)");
        assert_eq!(link("super::Db"), "[`super::Db`](super::super::Db)");
        assert_eq!(link("(A, B)"), "`(A, B)`");
    }

    #[test]
    fn a_summary_is_the_first_paragraph_on_one_line() {
        let docs: Vec<Attribute> = vec![
            syn::parse_quote!(#[doc = " Owns the pool"]),
            syn::parse_quote!(#[doc = " of connections | all of them."]),
            syn::parse_quote!(#[doc = ""]),
            syn::parse_quote!(#[doc = " More."]),
        ];
        assert_eq!(
            summary(&docs),
            "Owns the pool of connections \\| all of them."
        );
        assert_eq!(summary(&[]), "—");
    }
}
