//! Reads `supervision_tree!` input into the [`model`](super::model). Structural mistakes (a
//! missing brace, a stray token) stop the parse with one error; mistakes inside a setting or an
//! option are recorded and the parse goes on, so all of them are reported together.

mod pool;
mod recover;
mod resilience;
mod settings;

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Expr, Ident, Token, Type, Visibility};

use super::model::{Child, ChildOpts, Sup, Tree, Value, WorkerChild};
use crate::ctxt::Errors;
use crate::names::{one_of, snake};
use settings::{child_option, raw_value, supervisor_setting};

const WORKER_KEYS: [&str; 8] = [
    "restart",
    "shutdown",
    "depends_on",
    "backoff",
    "significant",
    "quarantine",
    "heartbeat",
    "start_timeout",
];

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
        let error = syn::Error::new(
            keyword.span(),
            format!(
                "expected `supervisor`, found `{keyword}`: a tree is declared as `supervisor App {{ … }}`"
            ),
        );
        // `supervisr App { … }`: reported, and read as meant.
        if !(input.peek(Ident) && input.peek2(syn::token::Brace)) {
            return Err(error);
        }
        errors.push(error);
    }
    let ty: Ident = input.parse()?;
    let name = Ident::new(&snake(&ty.to_string()), ty.span());
    let root = parse_body(input, errors, docs, vis, name, ty, true)?;
    // Mistakes after the tree are reported next to the tree's expansion.
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    } else if binding.is_some() {
        errors.push(input.error("expected `;` after the tree: `let app = supervisor App { … };`"));
    }
    if !input.is_empty() {
        errors.push(
            input.error(
                "unexpected tokens after the tree: declare one tree per `supervision_tree!`",
            ),
        );
        input.parse::<TokenStream>()?;
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

/// `{ settings and children }` of a supervisor. A child or a setting that is not Rust enough
/// to read is reported and skipped (a child keeps its name, so the generated enum still has
/// its variant), and the parse goes on with the next: the tree's types are still generated,
/// so code that uses them keeps type-checking while the mistake is fixed.
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
        auto_shutdown: None,
        backoff: None,
        opts: ChildOpts::default(),
        children: Vec::new(),
    };
    let mut seen_keys: Vec<Ident> = Vec::new();
    while !content.is_empty() {
        let entry = content.fork();
        match parse_entry(&entry, errors, &mut sup, &mut seen_keys, is_root) {
            Ok(()) => content.advance_to(&entry),
            Err(e) => {
                errors.push(e);
                recover::skip_entry(&content, &mut sup)?;
            }
        }
    }
    Ok(sup)
}

/// One child or setting of `sup`'s body.
fn parse_entry(
    content: ParseStream,
    errors: &mut Errors,
    sup: &mut Sup,
    seen_keys: &mut Vec<Ident>,
    is_root: bool,
) -> syn::Result<()> {
    let docs = doc_attributes(content, errors)?;
    let Some((word, _)) = content.cursor().ident() else {
        return Err(content.error(
            "expected a child (`worker name: Type …;`, `pool name: Type …;` or `supervisor name: Type { … }`) or a setting (`strategy: …`)",
        ));
    };
    if word == "worker" && !content.peek2(Token![:]) {
        let child = parse_worker(content, errors, docs)?;
        sup.children.push(Child::Worker(Box::new(child)));
    } else if word == "pool" && !content.peek2(Token![:]) {
        let child = pool::parse_pool(content, errors, docs, &sup.ty)?;
        sup.children.push(Child::Pool(Box::new(child)));
    } else if word == "supervisor" && !content.peek2(Token![:]) {
        content.parse::<Ident>()?;
        let child_name = child_name(content, errors, "supervisor")?;
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
            content,
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
        let flag = key == "significant"
            && (content.is_empty() || content.peek(Token![,]) || content.peek(Token![;]));
        if !content.peek(Token![:]) && !flag {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "expected a child or a setting, found `{key}`: children start with `worker`, `pool` or `supervisor`, settings look like `strategy: one_for_all,`"
                ),
            ));
        }
        let value = if flag {
            crate::options::RawValue {
                tokens: TokenStream::new(),
                key_span: key.span(),
            }
        } else {
            content.parse::<Token![:]>()?;
            raw_value(content, key.span())?
        };
        if !content.is_empty() {
            if content.peek(Token![,]) {
                content.parse::<Token![,]>()?;
            } else {
                content.parse::<Token![;]>()?;
            }
        }
        if seen_keys.contains(&key) {
            errors.at(&key, format!("`{key}` is set twice; keep one"));
            return Ok(());
        }
        seen_keys.push(key.clone());
        supervisor_setting(sup, &key, &value, is_root, errors);
    }
    Ok(())
}

/// A child's name after its keyword (`worker`, `pool`, `supervisor`). A name written with
/// hyphens (`http-api`) is reported once, with its snake_case form, which is then used.
pub(super) fn child_name(
    input: ParseStream,
    errors: &mut Errors,
    kind: &str,
) -> syn::Result<Ident> {
    let name: Ident = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected the child's name: `{kind} name: Type …`"),
        )
    })?;
    let hyphen_part = |input: ParseStream| {
        input.peek(Token![-]) && (input.peek2(Ident) || input.peek2(syn::LitInt))
    };
    if !hyphen_part(input) {
        return Ok(name);
    }
    let mut written = TokenStream::new();
    name.to_tokens(&mut written);
    let mut text = name.to_string();
    while hyphen_part(input) {
        input.parse::<Token![-]>()?.to_tokens(&mut written);
        let part: TokenTree = input.parse()?;
        text.push('_');
        text.push_str(&part.to_string());
        part.to_tokens(&mut written);
    }
    let fixed = syn::parse_str::<Ident>(&text).ok();
    let hint = match &fixed {
        Some(fixed) => format!(": write `{fixed}`"),
        None => String::new(),
    };
    errors.at(
        written,
        format!("a child's name is one snake_case identifier, without `-` (it becomes a path segment and an enum variant){hint}"),
    );
    Ok(fixed.map_or(name.clone(), |mut fixed| {
        fixed.set_span(name.span());
        fixed
    }))
}

/// `worker name: Type = value, option: value, …;`
fn parse_worker(
    input: ParseStream,
    errors: &mut Errors,
    docs: Vec<Attribute>,
) -> syn::Result<WorkerChild> {
    input.parse::<Ident>()?;
    let name = child_name(input, errors, "worker")?;
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
    loop {
        if input.peek(Token![,]) {
            let comma: Token![,] = input.parse()?;
            if input.is_empty() || input.peek(Token![;]) {
                break;
            }
            if recover::starts_child(input) {
                errors.at(comma, recover::comma_message(&name));
                return Ok(WorkerChild {
                    docs,
                    name,
                    ty,
                    value,
                    opts,
                });
            }
        } else if let Some(key) = recover::starts_option(input) {
            // Read as if the `,` were there.
            errors.push(recover::missing_comma(&key, &name));
        } else {
            break;
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected an option: {}", one_of(&WORKER_KEYS)),
            )
        })?;
        let flag = key == "significant"
            && (input.is_empty() || input.peek(Token![,]) || input.peek(Token![;]));
        let value = if flag {
            crate::options::RawValue {
                tokens: TokenStream::new(),
                key_span: key.span(),
            }
        } else {
            input.parse::<Token![:]>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected `:` after `{key}`: options look like `restart: transient`"),
                )
            })?;
            raw_value(input, key.span())?
        };
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
        return Err(recover::unended(input, &name));
    }
    Ok(WorkerChild {
        docs,
        name,
        ty,
        value,
        opts,
    })
}
