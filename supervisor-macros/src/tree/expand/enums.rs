//! The child enums: `AppChild::Web(WebChild::Acceptor)` names `app/web/acceptor`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::super::model::{Child, Sup};
use super::super::validate::ITSELF;
use crate::names::upper_camel;

pub(crate) fn enum_name(sup: &Sup) -> syn::Ident {
    format_ident!("{}Child", sup.ty)
}

/// The child enum of `sup` and of every nested supervisor, with their path conversions; the
/// root's enum implements `ChildKey`.
pub(crate) fn child_enums(krate: &TokenStream, sup: &Sup, is_root: bool) -> TokenStream {
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
                let user_docs = &nested.docs;
                let doc = if user_docs.is_empty() {
                    format!("`{segment}` or one of its children")
                } else {
                    format!("\n\n`{segment}` itself ([`{inner}::Itself`]) or one of its children.")
                };
                variants.push(quote! { #(#user_docs)* #[doc = #doc] #variant(#inner) });
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
    let names_no_child = names_no_child(sup, &name);
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

            #names_no_child
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #[allow(dead_code)]
        pub enum #name {
            #(#variants,)*
        }

        #[allow(dead_code, clippy::all)]
        impl #name {
            #[doc(hidden)]
            pub fn __segments(&self, out: &mut ::std::vec::Vec<&'static str>) {
                match *self {
                    #(#to_segments)*
                }
            }

            #[doc(hidden)]
            pub fn __from_segments(segments: &[&str]) -> ::core::option::Option<Self> {
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

/// `tree.terminate_child("db".into())` on a typed tree: rather than "`From<&str>` is not
/// implemented for `AppChild`", rustc says that children are named by the enum, and how. A
/// conversion into the enum from any `T` holds only if the hidden trait holds for `(T,)`
/// (a tuple, so that rustc reports that trait's message, and the help line names no hidden
/// type); it holds for `(Infallible,)` alone, so no real conversion is added.
fn names_no_child(root: &Sup, name: &syn::Ident) -> TokenStream {
    let trait_name = format_ident!("{}Name", name);
    let ty = &root.ty;
    let example = example_variant(root, name);
    let message =
        format!("the children of the tree `{ty}` are named by `{name}` variants, not by `{{T}}`");
    let label = format!("`{{T}}` does not convert into `{name}`");
    let note = format!("name the child by its variant, e.g. `{example}`");
    // Spanned at the tree's name: rustc's notes about these impls point there.
    quote_spanned! {ty.span()=>
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        #[doc(hidden)]
        pub trait #trait_name<T> {
            #[doc(hidden)]
            fn __child(self) -> #name;
        }

        impl #trait_name<::core::convert::Infallible> for (::core::convert::Infallible,) {
            fn __child(self) -> #name {
                match self.0 {}
            }
        }

        #[doc(hidden)]
        impl<T> ::core::convert::From<T> for #name
        where
            (T,): #trait_name<T>,
        {
            fn from(value: T) -> Self {
                #trait_name::__child((value,))
            }
        }
    }
}

/// `AppChild::Db`, or `AppChild::Web(WebChild::Conn)`: the first child that is a worker or a
/// pool, reached from the root's enum.
fn example_variant(root: &Sup, root_enum: &syn::Ident) -> String {
    let mut prefix = Vec::new();
    let mut sup = root;
    let mut enum_name = root_enum.clone();
    loop {
        let Some(child) = sup.children.first() else {
            return format!("{root_enum}::…");
        };
        let variant = upper_camel(&child.name().to_string());
        match child {
            Child::Supervisor(nested) if !nested.children.is_empty() => {
                prefix.push(format!("{enum_name}::{variant}("));
                enum_name = self::enum_name(nested);
                sup = nested;
            }
            _ => {
                let close = ")".repeat(prefix.len());
                return format!("{}{enum_name}::{variant}{close}", prefix.concat());
            }
        }
    }
}
