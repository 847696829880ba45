//! Code generation: the supervisor types with their docs, the child enums, and the typed spec
//! builder — all plain use of the runtime's public API.

mod builder;
mod docs;
mod enums;
mod pool;
mod types;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use super::model::{
    AutoShutdown, BackoffDecl, BackoffKind, Child, ChildOpts, Jitter, Restart, Shutdown, Strategy,
    Sup, Tree, WorkerChild,
};
use crate::ctxt::Errors;
use crate::names::duration_tokens;

/// A child the declaration leaves open, filled through a builder method.
pub(crate) struct Slot<'a> {
    /// `app/web/acceptor`
    path: String,
    /// `web_acceptor`
    method: Ident,
    ty: &'a syn::Type,
}

pub(crate) fn expand(tree: &Tree, errors: &mut Errors) -> TokenStream {
    let krate = &tree.krate;
    let root = &tree.root;
    let root_path = root.name.to_string();

    let mut slots = Vec::new();
    let mut declared = Vec::new();
    collect(root, &root_path, "", &mut slots, &mut declared, errors);

    // The root's spec is the builder's own, made when the builder is, so that `subscribe`
    // before `build` or `start` subscribes to the tree that starts.
    let build_body = sup_spec(krate, root, &root_path, "", &slots, Some(quote!(root)));
    let declared_specs: Vec<(Ident, TokenStream)> = declared
        .iter()
        .map(|(field, w)| (field.clone(), builder::worker_spec(krate, w, None)))
        .collect();
    let module = types::module_name(root);
    let names = builder::BuilderNames::new(root);
    let builder_items = builder::builder(
        krate,
        root,
        &names,
        &module,
        &slots,
        &declared_specs,
        build_body,
    );

    let vis = &root.vis;
    let builder_ty = &names.builder;
    let declared_ty = &names.declared;
    let declared_init: Vec<TokenStream> = declared_specs
        .iter()
        .map(|(field, spec)| quote!(#field: #spec))
        .collect();
    let make_builder = quote!(#builder_ty::__new(#declared_ty { #(#declared_init,)* }));
    let builder_fn = if tree.binding.is_none() {
        let open: Vec<String> = slots
            .iter()
            .map(|s| format!("`.{}(…)`", s.method))
            .collect();
        let doc = if open.is_empty() {
            "A builder of this tree's spec; every child is declared, so `build` and `start` can be called at once.".to_owned()
        } else {
            format!(
                "A builder of this tree's spec; supply {} before `build` or `start`.",
                open.join(", ")
            )
        };
        let open_path = names.open_path();
        let opens = slots.iter().map(|_| open_path.clone());
        let generics = if slots.is_empty() {
            quote!()
        } else {
            quote!(<#(#opens),*>)
        };
        Some(quote! {
            #[doc = #doc]
            #vis fn builder() -> #builder_ty #generics {
                #make_builder
            }
        })
    } else {
        None
    };

    let types = types::types(krate, root, builder_fn);
    let binding = tree.binding.as_ref().map(|name| {
        quote! {
            #[allow(unused_mut)]
            let mut #name = #make_builder;
        }
    });
    quote! {
        #types
        #builder_items
        #binding
    }
}

/// Walks the tree in start order, listing open slots and declared workers.
fn collect<'a>(
    sup: &'a Sup,
    path: &str,
    prefix: &str,
    slots: &mut Vec<Slot<'a>>,
    declared: &mut Vec<(Ident, &'a WorkerChild)>,
    errors: &mut Errors,
) {
    for child in &sup.children {
        let name = child.name().to_string();
        let method_name = format!("{prefix}{name}");
        match child {
            Child::Worker(w) => match (&w.value, &w.ty) {
                (None, Some(ty)) => {
                    if ["build", "start"].contains(&method_name.as_str())
                        || slots.iter().any(|s| s.method == method_name)
                    {
                        errors.at(
                            &w.name,
                            format!("the builder method for this child would be `{method_name}`, which is already taken; rename the child"),
                        );
                        continue;
                    }
                    slots.push(Slot {
                        path: format!("{path}/{name}"),
                        method: format_ident!("{}", method_name, span = w.name.span()),
                        ty,
                    });
                }
                (Some(_), _) => declared.push((format_ident!("{}", method_name), &**w)),
                (None, None) => {}
            },
            Child::Pool(_) => {}
            Child::Supervisor(nested) => collect(
                nested,
                &format!("{path}/{name}"),
                &format!("{method_name}_"),
                slots,
                declared,
                errors,
            ),
        }
    }
}

/// The `SupervisorSpec` expression of `sup`.
fn sup_spec(
    krate: &TokenStream,
    sup: &Sup,
    path: &str,
    prefix: &str,
    slots: &[Slot<'_>],
    base: Option<TokenStream>,
) -> TokenStream {
    let name = sup.name.to_string();
    let base = base.unwrap_or_else(|| quote!(#krate::SupervisorSpec::new(#name)));
    let strategy = sup.strategy.map(|(s, _)| {
        let variant = match s {
            Strategy::OneForOne => quote!(OneForOne),
            Strategy::OneForAll => quote!(OneForAll),
            Strategy::RestForOne => quote!(RestForOne),
        };
        quote!(.strategy(#krate::Strategy::#variant))
    });
    let intensity = sup.intensity.as_ref().map(|i| {
        let max = i.max_restarts;
        let period = duration_tokens(i.period);
        quote!(.intensity(#max, #period))
    });
    let children = sup.children.iter().map(|child| {
        let field = format_ident!("{}{}", prefix, child.name().to_string());
        match child {
            Child::Worker(w) => match (&w.value, &w.ty) {
                (Some(_), _) => quote!(.child(declared.#field)),
                // An open worker whose slot was refused (its error is reported) is left out.
                (None, Some(_)) => match slots
                    .iter()
                    .find(|s| s.path == format!("{path}/{}", w.name))
                {
                    Some(slot) => {
                        let spec = builder::worker_spec(krate, w, Some(&slot.method));
                        quote!(.child(#spec))
                    }
                    None => quote!(),
                },
                (None, None) => quote!(),
            },
            Child::Pool(p) => {
                let spec = pool::pool_spec(krate, p);
                quote!(.child(#spec))
            }
            Child::Supervisor(nested) => {
                let nested_prefix = format!("{prefix}{}_", nested.name);
                let nested_path = format!("{path}/{}", nested.name);
                let inner = sup_spec(krate, nested, &nested_path, &nested_prefix, slots, None);
                let spec = with_options(
                    krate,
                    quote!(#krate::ChildSpec::supervisor(#inner)),
                    &nested.opts,
                );
                quote!(.child(#spec))
            }
        }
    });
    let children: Vec<TokenStream> = children.collect();
    let auto_shutdown = sup.auto_shutdown.map(|(a, span)| {
        let variant = match a {
            AutoShutdown::Never => format_ident!("Never", span = span),
            AutoShutdown::AnySignificant => format_ident!("AnySignificant", span = span),
            AutoShutdown::AllSignificant => format_ident!("AllSignificant", span = span),
        };
        quote!(.auto_shutdown(#krate::AutoShutdown::#variant))
    });
    let backoff = sup.backoff.map(|b| {
        let b = backoff_tokens(krate, b);
        quote!(.backoff(#b))
    });
    quote! {
        #base #strategy #intensity #auto_shutdown #backoff #(#children)*
    }
}

/// `spec.restart(…).shutdown(…)` for the options a child sets.
pub(crate) fn with_options(
    krate: &TokenStream,
    spec: TokenStream,
    opts: &ChildOpts,
) -> TokenStream {
    let options = restart_and_shutdown(krate, opts.restart, opts.shutdown);
    let backoff = opts.backoff.map(|b| {
        let b = backoff_tokens(krate, b);
        quote!(.backoff(#b))
    });
    let significant = opts.significant.map(|_| quote!(.significant(true)));
    let quarantine = opts.quarantine.as_ref().map(|q| {
        let max = q.max_restarts;
        let period = duration_tokens(q.period);
        quote!(.quarantine(#max, #period))
    });
    let heartbeat = opts.heartbeat.map(|d| {
        let d = duration_tokens(d);
        quote!(.heartbeat(#d))
    });
    let start_timeout = opts.start_timeout.map(|d| {
        let d = duration_tokens(d);
        quote!(.start_timeout(#d))
    });
    quote!(#spec #options #backoff #significant #quarantine #heartbeat #start_timeout)
}

/// The `Backoff` expression of a declared backoff.
pub(crate) fn backoff_tokens(krate: &TokenStream, b: BackoffDecl) -> TokenStream {
    let base = match b.kind {
        BackoffKind::None => quote!(#krate::Backoff::NONE),
        BackoffKind::Fixed(d) => {
            let d = duration_tokens(d);
            quote!(#krate::Backoff::fixed(#d))
        }
        BackoffKind::Exponential(base, max) => {
            let base = duration_tokens(base);
            let max = duration_tokens(max);
            quote!(#krate::Backoff::exponential(#base, #max))
        }
    };
    let jitter = b.jitter.map(|j| {
        let variant = match j {
            Jitter::None => quote!(None),
            Jitter::Full => quote!(Full),
            Jitter::Decorrelated => quote!(Decorrelated),
        };
        quote!(.jitter(#krate::Jitter::#variant))
    });
    let reset = b.reset.map(|d| {
        let d = duration_tokens(d);
        quote!(.reset_after(#d))
    });
    quote!(#base #jitter #reset)
}

/// `.restart(…).shutdown(…)`, for those that are set.
pub(crate) fn restart_and_shutdown(
    krate: &TokenStream,
    restart: Option<(Restart, Span)>,
    shutdown: Option<(Shutdown, Span)>,
) -> TokenStream {
    let restart = restart.map(|(r, span)| {
        let variant = match r {
            Restart::Permanent => format_ident!("Permanent", span = span),
            Restart::Transient => format_ident!("Transient", span = span),
            Restart::Temporary => format_ident!("Temporary", span = span),
        };
        quote!(.restart(#krate::Restart::#variant))
    });
    let shutdown = shutdown.map(|(s, _)| match s {
        Shutdown::Brutal => quote!(.shutdown(#krate::Shutdown::Brutal)),
        Shutdown::Infinity => quote!(.shutdown(#krate::Shutdown::Infinity)),
        Shutdown::Timeout(d) => {
            let d = duration_tokens(d);
            quote!(.shutdown(#krate::Shutdown::Timeout(#d)))
        }
    });
    quote!(#restart #shutdown)
}
