//! Reads `supervision_tree!` input into the [`model`](super::model). Structural mistakes (a
//! missing brace, a stray token) stop the parse with one error; mistakes inside a setting or an
//! option are recorded and the parse goes on, so all of them are reported together.

mod pool;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Expr, Ident, Token, Type, Visibility};

use super::model::{Child, ChildOpts, Intensity, Strategy, Sup, Tree, Value, WorkerChild};
use crate::ctxt::Errors;
use crate::names::{did_you_mean, duration, one_of, snake};
use crate::options::{self, RawValue};

const SUPERVISOR_KEYS: [&str; 5] = ["strategy", "intensity", "restart", "shutdown", "depends_on"];
const WORKER_KEYS: [&str; 3] = ["restart", "shutdown", "depends_on"];

pub(crate) fn parse(input: TokenStream, errors: &mut Errors) -> syn::Result<Tree> {
    (|stream: ParseStream| parse_tree(stream, errors)).parse2(input)
}

fn parse_tree(input: ParseStream, errors: &mut Errors) -> syn::Result<Tree> {
    // `crate = PATH;` comes from the runtime's wrapper macro (`$crate`), never from users.
    let krate = if input.peek(Token![crate]) && input.peek2(Token![=]) {
        input.parse::<Token![crate]>()?;
        input.parse::<Token![=]>()?;
        let mut path = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![;]) {
            path.extend([input.parse::<TokenTree>()?]);
        }
        input.parse::<Token![;]>()?;
        syn::parse2::<syn::Path>(path.clone())
            .map_err(|e| syn::Error::new(e.span(), "expected the path of the supervisor crate"))?;
        path
    } else {
        quote!(::supervisor)
    };
    // Doc comments may come before `let` too, as they would on a statement.
    let mut docs = doc_attributes(input, errors)?;
    let binding = if input.peek(Token![let]) {
        input.parse::<Token![let]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        Some(name)
    } else {
        None
    };
    docs.extend(doc_attributes(input, errors)?);
    let vis: Visibility = input.parse()?;
    let keyword: Ident = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `supervisor`: a tree is declared as `supervisor App { … }`",
        )
    })?;
    if keyword != "supervisor" {
        return Err(syn::Error::new(
            keyword.span(),
            format!(
                "expected `supervisor`, found `{keyword}`: a tree is declared as `supervisor App {{ … }}`"
            ),
        ));
    }
    let ty: Ident = input.parse()?;
    let name = Ident::new(&snake(&ty.to_string()), ty.span());
    let root = parse_body(input, errors, docs, vis, name, ty, true)?;
    if binding.is_some() {
        input.parse::<Token![;]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `;` after the tree: `let app = supervisor App { … };`",
            )
        })?;
    } else if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    if !input.is_empty() {
        return Err(input
            .error("unexpected tokens after the tree: declare one tree per `supervision_tree!`"));
    }
    Ok(Tree {
        krate,
        binding,
        root,
    })
}

/// Doc comments are kept for the generated docs; any other attribute is an error.
fn doc_attributes(input: ParseStream, errors: &mut Errors) -> syn::Result<Vec<Attribute>> {
    let attrs = input.call(Attribute::parse_outer)?;
    Ok(attrs
        .into_iter()
        .filter(|a| {
            let is_doc = a.path().is_ident("doc");
            if !is_doc {
                errors.at(a, "only doc comments (`/// …`) are allowed here");
            }
            is_doc
        })
        .collect())
}

/// `{ settings and children }` of a supervisor.
fn parse_body(
    input: ParseStream,
    errors: &mut Errors,
    docs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    ty: Ident,
    is_root: bool,
) -> syn::Result<Sup> {
    let content;
    let brace = syn::braced!(content in input);
    let mut sup = Sup {
        docs,
        vis,
        name,
        ty,
        body: brace.span.join(),
        strategy: None,
        intensity: None,
        opts: ChildOpts::default(),
        children: Vec::new(),
    };
    let mut seen_keys: Vec<Ident> = Vec::new();
    while !content.is_empty() {
        let docs = doc_attributes(&content, errors)?;
        let Some((word, _)) = content.cursor().ident() else {
            return Err(content.error(
                "expected a child (`worker name: Type …;`, `pool name: Type …;` or `supervisor name: Type { … }`) or a setting (`strategy: …`)",
            ));
        };
        if word == "worker" && !content.peek2(Token![:]) {
            let child = parse_worker(&content, errors, docs)?;
            sup.children.push(Child::Worker(Box::new(child)));
        } else if word == "pool" && !content.peek2(Token![:]) {
            let child = pool::parse_pool(&content, errors, docs, &sup.ty)?;
            sup.children.push(Child::Pool(Box::new(child)));
        } else if word == "supervisor" && !content.peek2(Token![:]) {
            content.parse::<Ident>()?;
            let child_name: Ident = content.parse()?;
            content.parse::<Token![:]>().map_err(|e| {
                syn::Error::new(e.span(), format!("expected `:` and the supervisor's type name: `supervisor {child_name}: {} {{ … }}`", crate::names::upper_camel(&child_name.to_string())))
            })?;
            let child_ty: Ident = content.parse()?;
            if content.peek(Token![=]) {
                return Err(content.error(
                    "a supervisor has no value: declare its children in braces, `supervisor name: Type { … }`",
                ));
            }
            let nested = parse_body(
                &content,
                errors,
                docs,
                sup.vis.clone(),
                child_name,
                child_ty,
                false,
            )?;
            sup.children.push(Child::Supervisor(Box::new(nested)));
            if content.peek(Token![,]) {
                content.parse::<Token![,]>()?;
            } else if content.peek(Token![;]) {
                content.parse::<Token![;]>()?;
            }
        } else {
            if !docs.is_empty() {
                errors.at(&docs[0], "doc comments go on children, not on settings");
            }
            let key: Ident = content.parse()?;
            if !content.peek(Token![:]) {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "expected a child or a setting, found `{key}`: children start with `worker`, `pool` or `supervisor`, settings look like `strategy: one_for_all,`"
                    ),
                ));
            }
            content.parse::<Token![:]>()?;
            let value = raw_value(&content, key.span())?;
            if !content.is_empty() {
                if content.peek(Token![,]) {
                    content.parse::<Token![,]>()?;
                } else {
                    content.parse::<Token![;]>()?;
                }
            }
            if seen_keys.contains(&key) {
                errors.at(&key, format!("`{key}` is set twice; keep one"));
                continue;
            }
            seen_keys.push(key.clone());
            supervisor_setting(&mut sup, &key, &value, is_root, errors);
        }
    }
    Ok(sup)
}

fn supervisor_setting(
    sup: &mut Sup,
    key: &Ident,
    value: &RawValue,
    is_root: bool,
    errors: &mut Errors,
) {
    let name = key.to_string();
    match name.as_str() {
        "strategy" => match value.ident("a strategy", &Strategy::NAMES) {
            Ok(ident) => match Strategy::from_name(&ident.to_string()) {
                Some(s) => sup.strategy = Some((s, ident.span())),
                None => errors.at(
                    &ident,
                    format!(
                        "unknown strategy `{ident}`{}; expected {}",
                        did_you_mean(&ident.to_string(), &Strategy::NAMES),
                        one_of(&Strategy::NAMES)
                    ),
                ),
            },
            Err(e) => errors.push(e),
        },
        "intensity" => match intensity(value) {
            Ok(i) => sup.intensity = Some(i),
            Err(e) => errors.push(e),
        },
        "restart" | "shutdown" | "depends_on" if is_root => errors.at(
            key,
            format!("`{name}` is a child option, and the root supervisor is nobody's child: set it on nested supervisors only"),
        ),
        _ => child_option(&mut sup.opts, key, value, &SUPERVISOR_KEYS, errors),
    }
}

/// `restart`, `shutdown` or `depends_on`, for a worker or a nested supervisor.
fn child_option(
    opts: &mut ChildOpts,
    key: &Ident,
    value: &RawValue,
    keys: &[&str],
    errors: &mut Errors,
) {
    let name = key.to_string();
    match name.as_str() {
        "restart" => match options::restart(value) {
            Ok(r) => opts.restart = Some(r),
            Err(e) => errors.push(e),
        },
        "shutdown" => match options::shutdown(value) {
            Ok(s) => opts.shutdown = Some(s),
            Err(e) => errors.push(e),
        },
        "depends_on" => match options::ident_list(value) {
            Ok(names) => opts.depends_on = names,
            Err(e) => errors.push(e),
        },
        _ => errors.at(
            key,
            format!(
                "unknown key `{name}`{}; expected {}",
                did_you_mean(&name, keys),
                one_of(keys)
            ),
        ),
    }
}

/// `5 within 10s`.
fn intensity(value: &RawValue) -> syn::Result<Intensity> {
    let usage = "write the intensity as `MAX within PERIOD`, e.g. `5 within 10s`";
    let tokens: Vec<TokenTree> = value.tokens.clone().into_iter().collect();
    let [
        TokenTree::Literal(max),
        TokenTree::Ident(within),
        TokenTree::Literal(period),
    ] = tokens.as_slice()
    else {
        return Err(syn::Error::new(
            value.span(),
            format!("malformed intensity: {usage}"),
        ));
    };
    if within != "within" {
        return Err(syn::Error::new(
            within.span(),
            format!("expected `within`, found `{within}`: {usage}"),
        ));
    }
    let syn::Lit::Int(max) = syn::Lit::new(max.clone()) else {
        return Err(syn::Error::new(
            max.span(),
            format!("the maximum number of restarts must be a whole number: {usage}"),
        ));
    };
    if !max.suffix().is_empty() {
        return Err(syn::Error::new(
            max.span(),
            format!("the maximum number of restarts takes no unit: {usage}"),
        ));
    }
    let max_restarts: u32 = max.base10_parse().map_err(|_| {
        syn::Error::new(
            max.span(),
            format!(
                "at most {} restarts can be allowed: the maximum must fit in a `u32`",
                u32::MAX
            ),
        )
    })?;
    let period_lit = syn::Lit::new(period.clone());
    let period = duration(&period_lit)?;
    if period.is_zero() {
        return Err(syn::Error::new(
            period_lit.span(),
            "the intensity period must be longer than zero, e.g. `5s`",
        ));
    }
    if period > std::time::Duration::from_secs(u64::from(u32::MAX)) {
        return Err(syn::Error::new(
            period_lit.span(),
            "the intensity period is too long: the longest supported is u32::MAX seconds (about 136 years)",
        ));
    }
    Ok(Intensity {
        max_restarts,
        period,
    })
}

/// The tokens of a value, up to the next top-level `,` or `;`.
fn raw_value(input: ParseStream, key_span: Span) -> syn::Result<RawValue> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) && !input.peek(Token![;]) {
        input.parse::<TokenTree>()?.to_tokens(&mut tokens);
    }
    Ok(RawValue { tokens, key_span })
}

/// `worker name: Type = value, option: value, …;`
fn parse_worker(
    input: ParseStream,
    errors: &mut Errors,
    docs: Vec<Attribute>,
) -> syn::Result<WorkerChild> {
    input.parse::<Ident>()?;
    let name: Ident = input.parse().map_err(|e| {
        syn::Error::new(e.span(), "expected the child's name: `worker name: Type;`")
    })?;
    let ty = if input.peek(Token![:]) && !input.peek(Token![::]) {
        input.parse::<Token![:]>()?;
        Some(input.parse::<Type>()?)
    } else {
        None
    };
    let value = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let expr: Expr = input.parse()?;
        Some(match expr {
            Expr::Closure(_) => Value::Factory(expr),
            _ => Value::Prototype(expr),
        })
    } else {
        None
    };
    if ty.is_none() && value.is_none() {
        errors.at(
            &name,
            format!("`{name}` needs its worker type, or a value to run: write `worker {name}: Type;` and supply it through the builder, or `worker {name}: Type = Type::new(…);`"),
        );
    }
    let mut opts = ChildOpts::default();
    let mut seen: Vec<Ident> = Vec::new();
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.is_empty() || input.peek(Token![;]) {
            break;
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected an option: {}", one_of(&WORKER_KEYS)),
            )
        })?;
        input.parse::<Token![:]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `:` after `{key}`: options look like `restart: transient`"),
            )
        })?;
        let value = raw_value(input, key.span())?;
        if seen.contains(&key) {
            errors.at(&key, format!("`{key}` is set twice; keep one"));
            continue;
        }
        seen.push(key.clone());
        child_option(&mut opts, &key, &value, &WORKER_KEYS, errors);
    }
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    } else if !input.is_empty() {
        return Err(input.error(format!("expected `;` after the child `{name}`")));
    }
    Ok(WorkerChild {
        docs,
        name,
        ty,
        value,
        opts,
    })
}
