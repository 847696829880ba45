//! The tree's types: a unit struct per supervisor (with its docs and `NAME`) and the child
//! enums, defined in a module of their own and re-exported where the tree is declared.
//!
//! The module makes each type's impls the tree's own: two trees of one module that both
//! declare a nested supervisor `Web` then meet in one place only, the unit value `Web`, which
//! rustc reports once, pointing at both declarations (defined side by side, every derive and
//! impl of the second `Web` would be reported as a conflict too). The types are re-exported by
//! a glob, whose names may clash without an error until they are used.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::super::model::{Child, Sup};
use super::{docs, enums, pool};
use crate::names::upper_camel;

/// The module holding the tree's types: `app_supervision_tree` (rustc's notes name the types
/// by it: `app_supervision_tree::AppChild`).
pub(crate) fn module_name(root: &Sup) -> Ident {
    format_ident!(
        "{}_supervision_tree",
        crate::names::snake(&root.ty.to_string())
    )
}

/// The types module, its re-exports, and the items on each supervisor type that name the
/// user's types (the pools' keys, and `extra` on the root: its `builder()`), which stay where
/// the tree is declared.
pub(crate) fn types(krate: &TokenStream, root: &Sup, extra: Option<TokenStream>) -> TokenStream {
    let module = module_name(root);
    let root_path = root.name.to_string();
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    let mut reexports = Vec::new();
    collect(
        krate,
        root,
        &root_path,
        "",
        root,
        &[],
        &module,
        &mut Collected {
            inside: &mut inside,
            outside: &mut outside,
            reexports: &mut reexports,
        },
    );
    if let Some(extra) = extra {
        let ty = &root.ty;
        outside.push(quote! {
            #[allow(dead_code)]
            impl #module::#ty {
                #extra
            }
        });
    }
    let enums = enums::child_enums(krate, root, true);
    let vis = &root.vis;
    // At the tree's name: a name used by two trees' types is ambiguous where it is used, and
    // rustc's note points at each tree.
    let span = root.ty.span();
    let mut in_module = module.clone();
    in_module.set_span(span);
    let glob = quote_spanned! {span=>
        #[allow(unused_imports, ambiguous_glob_reexports)]
        #vis use #in_module::*;
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, unreachable_pub)]
        mod #module {
            // The user's types, for the links of the generated docs.
            #[allow(unused_imports)]
            use super::*;

            #(#inside)*
            #enums
        }

        #(#reexports)*
        #glob

        #(#outside)*
    }
}

struct Collected<'a> {
    inside: &'a mut Vec<TokenStream>,
    outside: &'a mut Vec<TokenStream>,
    reexports: &'a mut Vec<TokenStream>,
}

/// The struct of `sup` and of every nested supervisor, with their docs, re-exports and pool
/// keys. `enum_path` leads from the root's child enum to `sup`'s.
#[allow(clippy::too_many_arguments)]
fn collect(
    krate: &TokenStream,
    sup: &Sup,
    path: &str,
    prefix: &str,
    root: &Sup,
    enum_path: &[(Ident, Ident)],
    module: &Ident,
    out: &mut Collected<'_>,
) {
    let vis = &sup.vis;
    let ty = &sup.ty;
    let user_docs = &sup.docs;
    let tree_doc = docs::supervisor_doc(sup, path, prefix, root);
    let name = sup.name.to_string();
    out.inside.push(quote! {
        #(#user_docs)*
        #[doc = #tree_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #[allow(dead_code)]
        pub struct #ty;

        #[allow(dead_code)]
        impl #ty {
            /// The supervisor's name: its segment in every path of the tree.
            pub const NAME: &'static str = #name;
        }
    });
    // The type is re-exported with the enums, by the glob; its unit value by a definition of
    // its own, at the user's type name: another tree's type of the same name then makes one
    // error, "the name `Web` is defined multiple times", pointing at both (an import would
    // make rustc suggest `Web as OtherWeb` inside the declaration).
    let span = Span::mixed_site().located_at(ty.span());
    let mut value = ty.clone();
    value.set_span(span);
    let mut in_module = module.clone();
    in_module.set_span(span);
    out.reexports.push(quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #value: #in_module::#value = #in_module::#value;
    });
    let keys = pool::pool_keys(krate, sup, path, enum_path, module);
    if !keys.is_empty() {
        out.outside.push(quote! {
            #[allow(dead_code)]
            impl #module::#ty {
                #keys
            }
        });
    }
    for child in &sup.children {
        if let Child::Supervisor(nested) = child {
            let mut child_enum_path = enum_path.to_vec();
            child_enum_path.push((
                enums::enum_name(sup),
                format_ident!("{}", upper_camel(&nested.name.to_string())),
            ));
            collect(
                krate,
                nested,
                &format!("{path}/{}", nested.name),
                &format!("{prefix}{}_", nested.name),
                root,
                &child_enum_path,
                module,
                out,
            );
        }
    }
}
