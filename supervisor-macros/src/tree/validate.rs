//! Checks that need the whole tree: names, duplicates, empty supervisors, contradictory options,
//! sibling references. Offending children are dropped from the model after their error is
//! recorded, so the expansion that follows stays valid Rust.

use std::collections::{HashMap, HashSet};

use syn::Ident;

use super::model::{AutoShutdown, Child, Restart, Shutdown, Strategy, Sup, Tree};
use crate::ctxt::Errors;
use crate::names::{did_you_mean, is_snake_case, upper_camel};

/// The variant that names a nested supervisor itself in its child enum.
pub(crate) const ITSELF: &str = "Itself";

pub(crate) fn validate(tree: &mut Tree, errors: &mut Errors) {
    let mut types: HashMap<String, Ident> = HashMap::new();
    types.insert(tree.root.ty.to_string(), tree.root.name.clone());
    validate_sup(&mut tree.root, errors, &mut types);
}

fn validate_sup(sup: &mut Sup, errors: &mut Errors, types: &mut HashMap<String, Ident>) {
    let ty = sup.ty.to_string();
    if sup.children.is_empty() {
        errors.at_span(
            sup.body,
            format!("supervisor `{ty}` has no children: declare at least one `worker`, `pool` or `supervisor` in it"),
        );
    }

    // Names: snake_case, distinct, distinct once turned into enum variants.
    let mut names: HashSet<String> = HashSet::new();
    let mut variants: HashMap<String, Ident> = HashMap::new();
    let mut keep = Vec::with_capacity(sup.children.len());
    for child in &sup.children {
        let name = child.name();
        let text = name.to_string();
        // Every supervisor type of the tree is generated next to the others.
        if let Child::Supervisor(nested) = child {
            let nested_ty = nested.ty.to_string();
            if let Some(first) = types.get(&nested_ty) {
                errors.at(
                    &nested.ty,
                    format!("the type name `{nested_ty}` is already used in this tree (by `{first}`): every supervisor needs its own type name"),
                );
                keep.push(false);
                continue;
            }
            types.insert(nested_ty, nested.name.clone());
        }
        let ok = if text.starts_with("r#") {
            errors.at(
                name,
                "raw identifiers cannot name a child: choose another name",
            );
            false
        } else if !is_snake_case(&text) {
            let hint = crate::names::snake(&text);
            let hint = if is_snake_case(&hint) {
                format!("; e.g. `{hint}`")
            } else {
                String::new()
            };
            errors.at(
                name,
                format!("child names are snake_case (they become paths like `app/{text}`){hint}"),
            );
            false
        } else if names.contains(&text) {
            errors.at(
                name,
                format!(
                    "duplicate child name `{text}`: children of one supervisor need distinct names"
                ),
            );
            false
        } else if matches!(child, Child::Pool(_)) && text == "name" {
            errors.at(name, format!("a pool named `name` would get the key `{ty}::NAME`, which is the supervisor's name: rename the pool"));
            false
        } else {
            let variant = upper_camel(&text);
            if variant == ITSELF {
                errors.at(name, format!("`{text}` is reserved: `{ITSELF}` names a nested supervisor itself in its child enum; choose another name"));
                false
            } else if let Some(other) = variants.get(&variant) {
                errors.at(name, format!("`{text}` and `{other}` both become the enum variant `{variant}`: rename one of them"));
                false
            } else {
                variants.insert(variant, name.clone());
                names.insert(text);
                true
            }
        };
        keep.push(ok);
    }
    let mut keep = keep.into_iter();
    sup.children.retain(|_| keep.next().unwrap_or(false));
    // A worker with neither type nor value was reported while parsing: nothing can run it, so
    // it is left out of the spec, but it keeps its enum variant for the code that names it.

    // Options that contradict each other, and sibling references.
    let strategy = sup.strategy.map(|(s, _)| s).unwrap_or(Strategy::OneForOne);
    let order: Vec<String> = sup.children.iter().map(|c| c.name().to_string()).collect();
    // Each pool among the siblings, with its instances' worker type as a user would write it.
    let pools: Vec<(&Ident, Option<String>)> = sup
        .children
        .iter()
        .filter_map(|c| match c {
            Child::Pool(p) => Some((&p.name, last_segment(&p.ty))),
            _ => None,
        })
        .collect();
    for (position, child) in sup.children.iter().enumerate() {
        if let Child::Supervisor(nested) = child
            && let Some((Shutdown::Brutal, span)) = nested.opts.shutdown
        {
            {
                errors.at_span(
                    span,
                    format!("supervisor `{}` cannot be shut down brutally: aborting it would leave its children unsupervised; use `infinity` (the default for supervisors) or a timeout", nested.name),
                );
            }
        }
        if let Some(at) = child.opts().significant {
            significant(sup, child, at, errors);
        }
        for dep in &child.opts().depends_on {
            let dep_text = dep.to_string();
            if dep_text == order[position] {
                errors.at(dep, format!("`{dep_text}` cannot depend on itself"));
            } else if let Some(at) = order.iter().position(|n| *n == dep_text) {
                if at > position {
                    errors.at(dep, format!("`{}` depends on `{dep_text}`, which is declared after it: children start in declaration order, so move `{dep_text}` above `{}`", order[position], order[position]));
                } else if strategy == Strategy::OneForOne {
                    errors.at(dep, format!("`depends_on` needs strategy `rest_for_one` or `one_for_all`: under `one_for_one` (this supervisor's strategy) a restart of `{dep_text}` would not restart `{}`", order[position]));
                }
            } else if let Some((pool, _)) = pools
                .iter()
                .find(|(_, ty)| ty.as_deref() == Some(dep_text.as_str()))
            {
                errors.at(
                    dep,
                    format!("`{dep_text}` is the worker type of pool `{pool}`'s instances, which `depends_on` cannot name: {}", instances_unnamed(pool)),
                );
            } else {
                let siblings: Vec<&str> = order.iter().map(String::as_str).collect();
                errors.at(
                    dep,
                    format!(
                        "no sibling named `{dep_text}`{}",
                        did_you_mean(&dep_text, &siblings)
                    ),
                );
            }
        }
        for inside in &child.opts().depends_on_inside {
            let first = inside.clone().into_iter().next().map(|t| t.to_string());
            match pools.iter().find(|(pool, _)| Some(pool.to_string()) == first) {
                Some((pool, _)) => errors.at(
                    inside,
                    format!("`depends_on` cannot name the instances of pool `{pool}`: {}", instances_unnamed(pool)),
                ),
                None => errors.at(
                    inside,
                    "expected a sibling's name: `depends_on` names whole siblings declared before this child, not anything inside one",
                ),
            }
        }
    }

    for child in &mut sup.children {
        if let Child::Supervisor(nested) = child {
            validate_sup(nested, errors, types);
        }
    }
}

/// Why `depends_on` cannot name the instances of `pool`, and what to write instead.
fn instances_unnamed(pool: &Ident) -> String {
    format!(
        "they are started at run time, after the tree, and come and go, so nothing can wait for them; name the pool itself, `depends_on: [{pool}]`, which waits for the pool to start (empty)"
    )
}

/// The last segment of a type's path (`Conn` for `crate::net::Conn<T>`), as a user would
/// write it by mistake where a sibling's name goes.
fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// OTP's rules for a significant child, checked where the tree says enough: it is `transient`
/// or `temporary`, and its supervisor shuts down on a significant child's end.
fn significant(sup: &Sup, child: &Child, at: proc_macro2::Span, errors: &mut Errors) {
    let name = child.name();
    match (child, child.opts().restart) {
        (_, Some((Restart::Permanent, span))) => errors.at_span(
            span,
            format!("`{name}` is significant, and a significant child must be `transient` or `temporary` (a permanent one is always restarted, so it never ends its supervisor): write `restart: transient`"),
        ),
        (Child::Worker(w), None) => {
            let ty = w
                .ty
                .as_ref()
                .map_or_else(|| "its worker type".to_owned(), |t| format!("`{}`", crate::names::type_name(t)));
            errors.at_span(
                at,
                format!("`{name}` is significant, so it must be `transient` or `temporary`, and the macro cannot read {ty}'s default restart policy: write `restart: transient` (or `temporary`) next to `significant`"),
            );
        }
        (Child::Supervisor(_), None) => errors.at_span(
            at,
            format!("`{name}` is significant, so it must be `transient` or `temporary`, and a supervisor is `permanent` unless it says otherwise: write `restart: transient` (or `temporary`) next to `significant`"),
        ),
        _ => {}
    }
    if !matches!(
        sup.auto_shutdown,
        Some((
            AutoShutdown::AnySignificant | AutoShutdown::AllSignificant,
            _
        ))
    ) {
        let ty = &sup.ty;
        errors.at_span(
            at,
            format!("`{name}` is significant, but its supervisor `{ty}` does not shut down when a significant child ends: add `auto_shutdown: any_significant,` (or `all_significant`) to `{ty}`'s settings, or remove `significant`"),
        );
    }
}
