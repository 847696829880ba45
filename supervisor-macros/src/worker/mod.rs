//! `#[worker]`: turns an `async fn` or an impl block into an implementation of the runtime's
//! `Worker` trait, with the worker's default child options.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Signature};

use crate::ctxt::Errors;
use crate::names::{did_you_mean, duration_tokens, one_of, upper_camel};
use crate::options::{self, RawValue};
use crate::tree::model::{Restart, Shutdown};

mod from_fn;

const KEYS: [&str; 4] = ["restart", "shutdown", "signals_ready", "crate"];

/// The options of `#[worker(…)]`.
struct Options {
    krate: TokenStream,
    restart: Option<Restart>,
    shutdown: Option<Shutdown>,
    /// `signals_ready = true`: its run says when it is ready (`ctx.ready()`).
    signals_ready: Option<bool>,
}

fn parse_options(attr: TokenStream, errors: &mut Errors) -> Options {
    let mut opts = Options {
        krate: quote!(::supervisor),
        restart: None,
        shutdown: None,
        signals_ready: None,
    };
    let mut seen: Vec<String> = Vec::new();
    for part in options::split(attr, ',') {
        let mut iter = part.clone().into_iter();
        let (Some(TokenTree::Ident(key)), Some(TokenTree::Punct(eq))) = (iter.next(), iter.next())
        else {
            errors.at(
                &part,
                format!("expected `key = value`, with key {}", one_of(&KEYS)),
            );
            continue;
        };
        if eq.as_char() != '=' {
            errors.at_span(eq.span(), format!("expected `=` after `{key}`"));
            continue;
        }
        let name = key.to_string();
        if seen.contains(&name) {
            errors.at(&key, format!("`{name}` is set twice; keep one"));
            continue;
        }
        seen.push(name.clone());
        let value = RawValue {
            tokens: iter.collect(),
            key_span: key.span(),
        };
        match name.as_str() {
            "restart" => match options::restart(&value) {
                Ok((r, _)) => opts.restart = Some(r),
                Err(e) => errors.push(e),
            },
            "shutdown" => match options::shutdown(&value) {
                Ok((s, _)) => opts.shutdown = Some(s),
                Err(e) => errors.push(e),
            },
            "signals_ready" => match syn::parse2::<syn::LitBool>(value.tokens.clone()) {
                Ok(lit) => opts.signals_ready = Some(lit.value),
                Err(_) if value.tokens.is_empty() => errors.at(
                    &key,
                    "expected `signals_ready = true` or `signals_ready = false`",
                ),
                Err(_) => errors.at(
                    &value.tokens,
                    "expected `signals_ready = true` (its run calls `ctx.ready()` when it is ready, and its supervisor waits for that before starting the next sibling) or `signals_ready = false`",
                ),
            },
            "crate" => {
                if value.tokens.is_empty() {
                    errors.at(
                        &key,
                        "expected the path of the supervisor crate, e.g. `crate = my_supervisor`",
                    );
                } else {
                    opts.krate = value.tokens;
                }
            }
            _ => errors.at(
                &key,
                format!(
                    "unknown option `{name}`{}; expected {}",
                    did_you_mean(&name, &KEYS),
                    one_of(&KEYS)
                ),
            ),
        }
    }
    opts
}

/// A shutdown as the DSL writes it: `brutal`, `infinity`, `2s`.
fn show_shutdown(shutdown: Shutdown) -> String {
    match shutdown {
        Shutdown::Brutal => "brutal".to_owned(),
        Shutdown::Infinity => "infinity".to_owned(),
        Shutdown::Timeout(d) => crate::names::show_duration(d),
    }
}

fn consts(opts: &Options) -> TokenStream {
    let krate = &opts.krate;
    let restart = opts.restart.map(|r| {
        let variant = format_ident!("{}", upper_camel(r.name()));
        quote!(const RESTART: #krate::Restart = #krate::Restart::#variant;)
    });
    let shutdown = opts.shutdown.map(|s| {
        let value = match s {
            Shutdown::Brutal => quote!(#krate::Shutdown::Brutal),
            Shutdown::Infinity => quote!(#krate::Shutdown::Infinity),
            Shutdown::Timeout(d) => {
                let d = duration_tokens(d);
                quote!(#krate::Shutdown::Timeout(#d))
            }
        };
        quote!(const SHUTDOWN: #krate::Shutdown = #value;)
    });
    let signals_ready = opts
        .signals_ready
        .map(|ready| quote!(const SIGNALS_READY: bool = #ready;));
    quote!(#restart #shutdown #signals_ready)
}

/// The whole attribute on token streams.
pub fn worker(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let opts = parse_options(attr, &mut errors);
    let expansion = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => from_fn::from_fn(f, &opts, &mut errors),
        Ok(syn::Item::Impl(i)) => from_impl(i, &opts, &mut errors),
        Ok(other) => {
            errors.at(
                &other,
                "`#[worker]` goes on an `async fn` or on an impl block with `async fn run`",
            );
            item
        }
        Err(e) => {
            errors.push(e);
            item
        }
    };
    let compile_errors = errors.into_compile_errors();
    quote!(#compile_errors #expansion)
}

/// Checks that `sig` takes the context first (after `&mut self` for methods).
fn check_signature(sig: &Signature, method: bool, errors: &mut Errors) -> bool {
    let mut ok = true;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token,
            format!(
                "a worker's `{}` must be an `async fn`: add `async`",
                sig.ident
            ),
        );
        ok = false;
    }
    if !sig.generics.params.is_empty() {
        errors.at(&sig.generics, "a worker fn cannot be generic: make the worker a type and put `#[worker]` on its impl block");
        ok = false;
    }
    let mut inputs = sig.inputs.iter();
    if method {
        match inputs.next() {
            Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_some() => {}
            Some(other) => {
                errors.at(
                    other,
                    format!(
                        "`{}` takes `&mut self` first: `async fn {}(&mut self, ctx: &Context)`",
                        sig.ident, sig.ident
                    ),
                );
                ok = false;
            }
            None => {
                errors.at(&sig.ident, format!("`{}` takes `&mut self` and the context: `async fn {}(&mut self, ctx: &Context)`", sig.ident, sig.ident));
                return false;
            }
        }
    }
    let context_hint = if method {
        format!("`async fn {}(&mut self, ctx: &Context)`", sig.ident)
    } else {
        format!("`async fn {}(ctx: &Context, …)`", sig.ident)
    };
    match inputs.next() {
        Some(FnArg::Typed(t)) if matches!(*t.ty, syn::Type::Reference(_)) => {}
        Some(FnArg::Receiver(r)) => {
            errors.at(r, format!("a worker fn takes no `self`: the worker is generated from its parameters; put `#[worker]` on the impl block instead, or write {context_hint}"));
            ok = false;
        }
        Some(other) => {
            errors.at(other, format!("the first parameter of a worker is its context, `ctx: &Context`: {context_hint}"));
            ok = false;
        }
        None => {
            errors.at(
                &sig.ident,
                format!("a worker takes its context: {context_hint}"),
            );
            ok = false;
        }
    }
    if method && sig.inputs.len() > 2 {
        errors.at(&sig.inputs, format!("`{}` takes only `&mut self` and the context; keep other values in the worker's fields", sig.ident));
        ok = false;
    }
    ok
}

fn from_impl(mut item: ItemImpl, opts: &Options, errors: &mut Errors) -> TokenStream {
    let krate = &opts.krate;
    // On a mistake, the block is kept as written, so the rest of the crate still compiles.
    let original = item.clone();
    if let Some((_, path, _)) = &item.trait_ {
        errors.at(path, "`#[worker]` goes on the type's own impl block (`impl Db { async fn run … }`), not on a trait impl");
        return quote!(#item);
    }
    let mut init: Option<ImplItemFn> = None;
    let mut run: Option<ImplItemFn> = None;
    let mut rest = Vec::new();
    for it in std::mem::take(&mut item.items) {
        match it {
            ImplItem::Fn(mut f) if f.sig.ident == "run" || f.sig.ident == "init" => {
                f.vis = syn::Visibility::Inherited;
                if f.sig.ident == "run" {
                    run = Some(f);
                } else {
                    init = Some(f);
                }
            }
            other => rest.push(other),
        }
    }
    let self_ty = &item.self_ty;
    let Some(run) = run else {
        errors.at(
            self_ty,
            "a worker impl needs `async fn run(&mut self, ctx: &Context) -> WorkerResult`",
        );
        return quote!(#original);
    };
    let mut ok = check_signature(&run.sig, true, errors);
    if let Some(init) = &init {
        ok &= check_signature(&init.sig, true, errors);
    }
    let has_init = init.as_ref().map(|_| {
        quote!(
            const HAS_INIT: bool = true;
        )
    });
    let consts = consts(opts);
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let inherent = (!rest.is_empty()).then(|| {
        let mut inherent = item.clone();
        inherent.items = rest;
        quote!(#inherent)
    });
    if !ok {
        return quote!(#original);
    }
    quote! {
        #inherent

        impl #impl_generics #krate::Worker for #self_ty #where_clause {
            #has_init
            #consts
            #init
            #run
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(attr: &str, item: &str) -> String {
        worker(attr.parse().unwrap(), item.parse().unwrap()).to_string()
    }

    #[test]
    fn a_fn_becomes_a_struct_with_a_constructor_and_a_worker_impl() {
        let out = run(
            "restart = transient, shutdown = 2s",
            "pub async fn acceptor(ctx: &Context, port: u16) -> WorkerResult { Ok(()) }",
        );
        assert!(
            out.contains("pub struct Acceptor { # [allow (missing_docs)] pub port : u16 , }"),
            "{out}"
        );
        assert!(out.contains("pub fn new (port : u16) -> Self"));
        assert!(out.contains(
            "const RESTART : :: supervisor :: Restart = :: supervisor :: Restart :: Transient"
        ));
        assert!(out.contains("Duration :: new (2u64 , 0u32)"));
        assert!(!out.contains("compile_error"));
    }

    #[test]
    fn an_impl_with_init_sets_has_init_and_keeps_other_methods() {
        let out = run(
            "crate = sv",
            "impl Db { async fn init(&mut self, ctx: &Context) -> WorkerResult { Ok(()) } pub async fn run(&mut self, ctx: &Context) -> WorkerResult { Ok(()) } fn url(&self) {} }",
        );
        assert!(out.contains("impl sv :: Worker for Db"), "{out}");
        assert!(out.contains("const HAS_INIT : bool = true"));
        assert!(out.contains("impl Db { fn url (& self) { } }"));
        assert!(!out.contains("supervisor ::"));
    }

    #[test]
    fn signals_ready_sets_the_workers_constant() {
        let out = run(
            "signals_ready = true",
            "async fn db(ctx: &Context, url: String) -> WorkerResult { ctx.ready(); Ok(()) }",
        );
        assert!(out.contains("const SIGNALS_READY : bool = true"), "{out}");
        let out = run(
            "signals_ready = 1",
            "async fn db(ctx: &Context) -> WorkerResult { Ok(()) }",
        );
        assert!(out.contains("expected `signals_ready = true`"), "{out}");
    }

    #[test]
    fn mistakes_are_all_reported() {
        let out = run("restrat = x, shutdown = 0s", "fn f(port: u16) {}");
        assert_eq!(out.matches("compile_error").count(), 4, "{out}");
    }

    #[test]
    fn mutated_items_never_panic() {
        let items = [
            (
                "restart = transient",
                "pub async fn acceptor(ctx: &Context, port: u16) -> WorkerResult { Ok(()) }",
            ),
            (
                "",
                "impl Db { async fn init(&mut self, ctx: &Context) -> WorkerResult { Ok(()) } async fn run(&mut self, ctx: &Context) -> WorkerResult { Ok(()) } }",
            ),
        ];
        let mut checked = 0;
        for (attr, item) in items {
            let attr: TokenStream = attr.parse().unwrap();
            let item: TokenStream = item.parse().unwrap();
            let attr_tts: Vec<TokenTree> = attr.clone().into_iter().collect();
            let mut variants: Vec<(TokenStream, TokenStream)> = crate::mutate::mutations(&item)
                .into_iter()
                .map(|it| (attr.clone(), it))
                .collect();
            for i in 0..attr_tts.len() {
                let mut dropped = attr_tts.clone();
                dropped.remove(i);
                variants.push((dropped.into_iter().collect(), item.clone()));
            }
            for (a, it) in variants {
                let shown = format!("#[worker({a})] {it}");
                let item_parses = syn::parse2::<syn::Item>(it.clone()).is_ok();
                let out = std::panic::catch_unwind(|| worker(a, it))
                    .unwrap_or_else(|_| panic!("#[worker] panicked on {shown}"));
                if item_parses {
                    let parsed = syn::parse::Parser::parse2(syn::Block::parse_within, out.clone());
                    assert!(parsed.is_ok(), "unparsable output for {shown}: {out}");
                } else {
                    // An item that is not Rust is given back as written, for rustc to report,
                    // next to our own error.
                    assert!(
                        out.to_string().contains("compile_error"),
                        "no error for {shown}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} mutants");
    }
}
