//! Code generation: the supervisor types with their docs, the child enums, and the typed spec
//! builder — all plain use of the runtime's public API.

mod builder;
mod docs;
mod enums;
mod pool;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use super::model::{Child, ChildOpts, Restart, Shutdown, Strategy, Sup, Tree, WorkerChild};
use crate::ctxt::Errors;
use crate::names::{duration_tokens, upper_camel};

/// A child the declaration leaves open, filled through a builder method.
pub(crate) struct Slot<'a> {
    /// `app/web/acceptor`
    path: String,
    /// `web_acceptor`
    method: Ident,
    /// `__AppWebAcceptorSlot`
    trait_name: Ident,
    ty: &'a syn::Type,
}

pub(crate) fn expand(tree: &Tree, errors: &mut Errors) -> TokenStream {
    let krate = &tree.krate;
    let root = &tree.root;
    let root_path = root.name.to_string();

    let mut slots = Vec::new();
    let mut declared = Vec::new();
    collect(
        root,
        &root.ty,
        &root_path,
        "",
        &mut slots,
        &mut declared,
        errors,
    );

    let spec = sup_spec(krate, root, &root_path, "", &slots);
    let build_body = quote! { #spec };
    let declared_specs: Vec<(Ident, TokenStream)> = declared
        .iter()
        .map(|(field, w)| (field.clone(), builder::worker_spec(krate, w, None)))
        .collect();
    let builder_items = builder::builder(krate, root, &slots, &declared_specs, build_body);

    let ty = &root.ty;
    let vis = &root.vis;
    let builder_ty = format_ident!("{}Builder", ty);
    let declared_ty = format_ident!("__{}Declared", ty);
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
        let opens = slots.iter().map(|_| quote!(#krate::__private::Open));
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

    let types = sup_types(krate, root, &root_path, "", ty, &[], builder_fn);
    let enums = enums::child_enums(krate, root, true);
    let binding = tree.binding.as_ref().map(|name| {
        quote! {
            #[allow(unused_mut)]
            let mut #name = #make_builder;
        }
    });
    quote! {
        #types
        #enums
        #builder_items
        #binding
    }
}

/// Walks the tree in start order, listing open slots and declared workers.
fn collect<'a>(
    sup: &'a Sup,
    root_ty: &Ident,
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
                        trait_name: format_ident!("__{}{}Slot", root_ty, upper_camel(&method_name)),
                        ty,
                    });
                }
                (Some(_), _) => declared.push((format_ident!("{}", method_name), &**w)),
                (None, None) => {}
            },
            Child::Pool(_) => {}
            Child::Supervisor(nested) => collect(
                nested,
                root_ty,
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
) -> TokenStream {
    let name = sup.name.to_string();
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
                let inner = sup_spec(krate, nested, &nested_path, &nested_prefix, slots);
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
    quote! {
        #krate::SupervisorSpec::new(#name) #strategy #intensity #(#children)*
    }
}

/// `spec.restart(…).shutdown(…)` for the options a child sets.
pub(crate) fn with_options(
    krate: &TokenStream,
    spec: TokenStream,
    opts: &ChildOpts,
) -> TokenStream {
    let options = restart_and_shutdown(krate, opts.restart, opts.shutdown);
    quote!(#spec #options)
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

/// The unit struct of `sup` and of every nested supervisor, each with its docs and the keys of
/// the pools it declares. `enum_path` leads from the root's child enum to `sup`'s.
fn sup_types(
    krate: &TokenStream,
    sup: &Sup,
    path: &str,
    prefix: &str,
    root_ty: &Ident,
    enum_path: &[(Ident, Ident)],
    extra: Option<TokenStream>,
) -> TokenStream {
    let vis = &sup.vis;
    let ty = &sup.ty;
    let user_docs = &sup.docs;
    let tree_doc = docs::supervisor_doc(sup, path, prefix, root_ty);
    let name = sup.name.to_string();
    let keys = pool::pool_keys(krate, sup, path, enum_path);
    let nested = sup.children.iter().filter_map(|child| match child {
        Child::Supervisor(n) => {
            let child_path = format!("{path}/{}", n.name);
            let child_prefix = format!("{prefix}{}_", n.name);
            let mut child_enum_path = enum_path.to_vec();
            child_enum_path.push((
                enums::enum_name(sup),
                format_ident!("{}", upper_camel(&n.name.to_string())),
            ));
            Some(sup_types(
                krate,
                n,
                &child_path,
                &child_prefix,
                root_ty,
                &child_enum_path,
                None,
            ))
        }
        Child::Worker(_) | Child::Pool(_) => None,
    });
    let nested: Vec<TokenStream> = nested.collect();
    quote! {
        #(#user_docs)*
        #[doc = #tree_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #[allow(dead_code)]
        #vis struct #ty;

        #[allow(dead_code)]
        impl #ty {
            /// The supervisor's name: its segment in every path of the tree.
            #vis const NAME: &'static str = #name;
            #keys
            #extra
        }

        #(#nested)*
    }
}
