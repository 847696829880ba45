//! The typed spec builder: one method per child the declaration leaves open, and `build` /
//! `start` that compile only once every open child has a worker, with an error naming the child.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::model::{Sup, Value, WorkerChild};
use super::Slot;

/// The builder struct, its methods, the per-slot traits, and the `__Declared` struct holding
/// the specs of the children declared with a value.
pub(crate) fn builder(
    krate: &TokenStream,
    root: &Sup,
    slots: &[Slot<'_>],
    declared: &[(syn::Ident, TokenStream)],
    build_body: TokenStream,
) -> TokenStream {
    let vis = &root.vis;
    let ty = &root.ty;
    let builder = format_ident!("{}Builder", ty);
    let declared_ty = format_ident!("__{}Declared", ty);
    let child_enum = format_ident!("{}Child", ty);
    let params: Vec<syn::Ident> = (0..slots.len()).map(|i| format_ident!("S{}", i)).collect();
    let fields: Vec<&syn::Ident> = slots.iter().map(|s| &s.method).collect();
    let open = quote!(#krate::__private::Open);

    let declared_fields = declared
        .iter()
        .map(|(name, _)| quote!(#name: #krate::ChildSpec));
    let declared_struct = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #declared_ty {
            #(#vis #declared_fields,)*
        }
    };

    let traits = slots.iter().map(|slot| {
        let trait_name = &slot.trait_name;
        let message = format!(
            "the supervision tree `{ty}` has no worker for its child `{}`",
            slot.path
        );
        let label = format!("`{}` is still open here", slot.path);
        let note = format!(
            "supply it before building: `{ty}::builder().{}(…)`",
            slot.method
        );
        quote! {
            #[doc(hidden)]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #vis trait #trait_name<W> {
                #[doc(hidden)]
                fn __take(self) -> W;
            }

            impl<W> #trait_name<W> for #krate::__private::Provided<W> {
                fn __take(self) -> W {
                    self.0
                }
            }
        }
    });

    let setters = slots.iter().enumerate().map(|(i, slot)| {
        let method = &slot.method;
        let worker_ty = slot.ty;
        let mut out_params: Vec<TokenStream> = params.iter().map(|p| quote!(#p)).collect();
        out_params[i] = quote!(#krate::__private::Provided<#worker_ty>);
        let moves = fields.iter().enumerate().map(|(j, f)| {
            if i == j {
                quote!(#f: #krate::__private::Provided(worker))
            } else {
                quote!(#f: self.#f)
            }
        });
        let doc = format!(
            "Supplies the worker of `{}`; every start and restart runs a clone of it.",
            slot.path
        );
        quote! {
            #[doc = #doc]
            #vis fn #method(self, worker: #worker_ty) -> #builder<#(#out_params),*> {
                #builder {
                    __declared: self.__declared,
                    #(#moves,)*
                }
            }
        }
    });

    let bounds: Vec<TokenStream> = slots
        .iter()
        .zip(&params)
        .map(|(slot, p)| {
            let trait_name = &slot.trait_name;
            let worker_ty = slot.ty;
            quote!(#p: #trait_name<#worker_ty>)
        })
        .collect();
    let where_clause = if bounds.is_empty() {
        quote!()
    } else {
        quote!(where #(#bounds,)*)
    };
    let generics = if params.is_empty() {
        quote!()
    } else {
        quote!(<#(#params),*>)
    };
    let opens = params.iter().map(|_| open.clone());
    let initial = if params.is_empty() {
        quote!()
    } else {
        quote!(<#(#opens),*>)
    };
    let open_inits = fields.iter().map(|f| quote!(#f: #krate::__private::Open));
    let doc = format!(
        "Builds the spec of [`{ty}`]: supply every child the declaration leaves open with its method, then [`build`]({builder}::build) the spec or [`start`]({builder}::start) the tree."
    );

    quote! {
        #declared_struct
        #(#traits)*

        #[doc = #doc]
        #[must_use = "a builder does nothing until `build` or `start` is called"]
        #[allow(dead_code)]
        #vis struct #builder #generics {
            __declared: #declared_ty,
            #(#fields: #params,)*
        }

        #[allow(dead_code)]
        impl #builder #initial {
            #[doc(hidden)]
            #vis fn __new(declared: #declared_ty) -> Self {
                #builder {
                    __declared: declared,
                    #(#open_inits,)*
                }
            }
        }

        #[allow(dead_code)]
        impl #generics #builder #generics {
            #(#setters)*

            /// The spec of the whole tree, ready to start or to inspect.
            #vis fn build(self) -> #krate::SupervisorSpec #where_clause {
                let declared = self.__declared;
                #build_body
            }

            /// Starts the tree: children in start order, each init finishing before the next.
            #vis async fn start(self) -> ::core::result::Result<#krate::Tree<#child_enum>, #krate::StartError> #where_clause {
                ::core::result::Result::Ok(self.build().start().await?.with_keys())
            }
        }
    }
}

/// The `ChildSpec` expression of a worker: from its declared value, or from its open slot.
pub(crate) fn worker_spec(
    krate: &TokenStream,
    w: &WorkerChild,
    slot_field: Option<&syn::Ident>,
) -> TokenStream {
    let name = w.name.to_string();
    let turbofish = w.ty.as_ref().map(|ty| quote!(::<#ty>));
    let base = match (&w.value, slot_field) {
        (Some(Value::Prototype(expr)), _) => {
            quote!(#krate::ChildSpec::from_value #turbofish (#name, #expr))
        }
        (Some(Value::Factory(expr)), _) => {
            let turbofish = w.ty.as_ref().map(|ty| quote!(::<#ty, _>));
            quote!(#krate::ChildSpec::worker #turbofish (#name, #expr))
        }
        (None, Some(field)) => {
            quote!(#krate::ChildSpec::from_value #turbofish (#name, self.#field.__take()))
        }
        (None, None) => {
            quote!(#krate::ChildSpec::from_value #turbofish (#name, ::core::unreachable!()))
        }
    };
    super::with_options(krate, base, &w.opts)
}
