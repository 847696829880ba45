//! A tree declared without `let` evaluates its values inside `App::builder()`, a function of
//! its own, where the local variables around the declaration are out of reach: rustc then says
//! "can't capture dynamic environment in a fn item" and suggests a closure, which does not help.
//! This finds the uses that are surely locals and reports them with the form that may use them.
//!
//! Surely a local: a lowercase name, not bound inside the value itself, used as a method call's
//! receiver (`url.clone()`), a field's base (`config.port`), behind `&` or indexed. A bare
//! `Db::new(url)` is left to rustc: `url` could as well be a function of the module.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Expr, Ident, Pat};

use super::model::{Child, Sup, Value};
use crate::ctxt::Errors;

/// Reports the locals the values of `sup`'s tree use, and takes those values out of the
/// expansion (the child keeps its variant), so rustc does not report them a second time.
pub(crate) fn check(sup: &mut Sup, root_ty: &Ident, errors: &mut Errors) {
    for child in &mut sup.children {
        match child {
            Child::Worker(w) => {
                let Some(Value::Prototype(expr) | Value::Factory(expr)) = &w.value else {
                    continue;
                };
                let locals = locals_used(expr);
                for local in &locals {
                    errors.at(local, message(local, root_ty));
                }
                if !locals.is_empty() {
                    w.value = None;
                    w.ty = None;
                }
            }
            Child::Supervisor(nested) => check(nested, root_ty, errors),
            Child::Pool(_) => {}
        }
    }
}

fn message(local: &Ident, root_ty: &Ident) -> String {
    let what = if local == "self" {
        "`self` cannot be used by".to_owned()
    } else {
        format!("`{local}` is a local variable, which cannot be used by")
    };
    format!(
        "{what} a tree declared without `let` (its values are evaluated inside `{root_ty}::builder()`): declare the tree inline, `let app = supervisor {root_ty} {{ … }};`, to use local variables in its values"
    )
}

/// The names `expr` surely uses as local variables, each once, in order.
fn locals_used(expr: &Expr) -> Vec<Ident> {
    let mut bound = Bound::default();
    bound.visit_expr(expr);
    let mut uses = Uses {
        bound: bound.0,
        seen: HashSet::new(),
        found: Vec::new(),
    };
    uses.visit_expr(expr);
    uses.found
}

/// Every name a pattern inside the value binds (closure parameters, `let`, `match`, `for`).
#[derive(Default)]
struct Bound(HashSet<String>);

impl<'ast> Visit<'ast> for Bound {
    fn visit_pat(&mut self, pat: &'ast Pat) {
        if let Pat::Ident(p) = pat {
            self.0.insert(p.ident.to_string());
        }
        syn::visit::visit_pat(self, pat);
    }
}

struct Uses {
    bound: HashSet<String>,
    seen: HashSet<String>,
    found: Vec<Ident>,
}

impl Uses {
    /// Records `expr` if it is a plain lowercase name not bound inside the value.
    fn local(&mut self, expr: &Expr) {
        let Expr::Path(path) = expr else { return };
        if path.qself.is_some() {
            return;
        }
        let Some(ident) = path.path.get_ident() else {
            return;
        };
        let name = ident.to_string();
        let lowercase = name
            .trim_start_matches("r#")
            .starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
        if lowercase && !self.bound.contains(&name) && self.seen.insert(name) {
            self.found.push(ident.clone());
        }
    }
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.local(&call.receiver);
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_field(&mut self, field: &'ast syn::ExprField) {
        self.local(&field.base);
        syn::visit::visit_expr_field(self, field);
    }

    fn visit_expr_reference(&mut self, reference: &'ast syn::ExprReference) {
        self.local(&reference.expr);
        syn::visit::visit_expr_reference(self, reference);
    }

    fn visit_expr_index(&mut self, index: &'ast syn::ExprIndex) {
        self.local(&index.expr);
        syn::visit::visit_expr_index(self, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locals(expr: &str) -> Vec<String> {
        let expr: Expr = syn::parse_str(expr).unwrap();
        locals_used(&expr).iter().map(|i| i.to_string()).collect()
    }

    #[test]
    fn finds_receivers_field_bases_borrows_and_indexes() {
        assert_eq!(locals("Db::new(url.clone())"), ["url"]);
        assert_eq!(locals("Db::new(&config.url, config.port)"), ["config"]);
        assert_eq!(locals("|| Db::new(&url, args[1])"), ["url", "args"]);
        assert_eq!(locals("Db { url: self.url.clone() }"), ["self"]);
    }

    #[test]
    fn leaves_items_bare_names_and_names_bound_inside() {
        assert!(locals("Db::new(url)").is_empty(), "could be a function");
        assert!(locals("Db::new(URL.clone(), &DEFAULTS, Config::default().port)").is_empty());
        assert!(locals("|x: String| Db::new(x.clone())").is_empty());
        assert!(locals("{ let u = url(); Db::new(u.trim()) }").is_empty());
        assert!(locals("crate::config::load().db").is_empty());
    }
}
