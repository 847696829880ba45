//! The child enums: `AppChild::Web(WebChild::Acceptor)` names `app/web/acceptor`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::model::{Child, Sup};
use super::super::validate::ITSELF;
use crate::names::upper_camel;

pub(crate) fn enum_name(sup: &Sup) -> syn::Ident {
    format_ident!("{}Child", sup.ty)
}

/// The child enum of `sup` and of every nested supervisor, with their path conversions; the
/// root's enum implements `ChildKey`.
pub(crate) fn child_enums(krate: &TokenStream, sup: &Sup, is_root: bool) -> TokenStream {
    let vis = &sup.vis;
    let name = enum_name(sup);
    let ty = &sup.ty;
    let itself = format_ident!("{ITSELF}");
    let mut variants = Vec::new();
    let mut to_segments = Vec::new();
    let mut from_segments = Vec::new();
    let mut nested_enums = Vec::new();
    if !is_root {
        variants.push(quote! {
            #[doc = "The supervisor itself."]
            #itself
        });
        to_segments.push(quote!(Self::#itself => {}));
        from_segments.push(quote!([] => ::core::option::Option::Some(Self::#itself),));
    }
    for child in &sup.children {
        let child_name = child.name();
        let segment = child_name.to_string();
        let variant = format_ident!("{}", upper_camel(&segment), span = child_name.span());
        let doc = format!("`{segment}`");
        match child {
            Child::Worker(_) | Child::Pool(_) => {
                let (docs, doc) = match child {
                    Child::Pool(p) => (
                        &p.docs,
                        format!(
                            "`{segment}`, a pool: its instances are started through [`{ty}::{}`]",
                            super::pool::key_name(&p.name)
                        ),
                    ),
                    Child::Worker(w) => (&w.docs, doc),
                    Child::Supervisor(_) => continue,
                };
                let doc = (docs.is_empty()).then(|| quote!(#[doc = #doc]));
                variants.push(quote! { #doc #(#docs)* #variant });
                to_segments.push(quote!(Self::#variant => out.push(#segment),));
                from_segments
                    .push(quote!([#segment] => ::core::option::Option::Some(Self::#variant),));
            }
            Child::Supervisor(nested) => {
                let inner = enum_name(nested);
                let doc = format!("`{segment}` or one of its children");
                variants.push(quote! { #[doc = #doc] #variant(#inner) });
                to_segments.push(quote!(Self::#variant(inner) => {
                    out.push(#segment);
                    inner.__segments(out);
                }));
                from_segments.push(quote!([#segment, rest @ ..] => #inner::__from_segments(rest).map(Self::#variant),));
                nested_enums.push(child_enums(krate, nested, false));
            }
        }
    }
    let doc = format!(
        "The children of [`{ty}`], each named by a variant; a nested supervisor's variant holds the enum of its own children."
    );
    let key_impl = is_root.then(|| {
        quote! {
            impl #krate::ChildKey for #name {
                fn to_ref(&self) -> #krate::ChildRef {
                    let mut segments = ::std::vec::Vec::new();
                    self.__segments(&mut segments);
                    #krate::ChildRef::from_segments(segments)
                }

                fn from_segments(segments: &[&str]) -> ::core::option::Option<Self> {
                    Self::__from_segments(segments)
                }
            }

            impl ::core::convert::From<#name> for #krate::ChildRef {
                fn from(child: #name) -> Self {
                    #krate::ChildKey::to_ref(&child)
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #[allow(dead_code)]
        #vis enum #name {
            #(#variants,)*
        }

        #[allow(dead_code, clippy::all)]
        impl #name {
            #[doc(hidden)]
            #vis fn __segments(&self, out: &mut ::std::vec::Vec<&'static str>) {
                match *self {
                    #(#to_segments)*
                }
            }

            #[doc(hidden)]
            #vis fn __from_segments(segments: &[&str]) -> ::core::option::Option<Self> {
                match segments {
                    #(#from_segments)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        #key_impl
        #(#nested_enums)*
    }
}
