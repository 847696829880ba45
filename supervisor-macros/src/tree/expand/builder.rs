//! The typed spec builder: one method per child the declaration leaves open, `subscribe` before
//! the tree starts, and `build` / `start`, which compile only once every open child has a
//! worker (else one error naming the child, in the user's words).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::super::model::{Sup, Value, WorkerChild};
use super::Slot;
use crate::names::upper_camel;

/// The names the builder's pieces go by, for a root type `App`.
pub(crate) struct BuilderNames {
    /// `AppBuilder`
    pub(crate) builder: Ident,
    /// `__AppDeclared`: the specs of the children declared with a value.
    pub(crate) declared: Ident,
    /// `__App_supervision_slots`: each slot's trait.
    pub(crate) slots: Ident,
}

impl BuilderNames {
    pub(crate) fn new(root: &Sup) -> Self {
        let ty = &root.ty;
        BuilderNames {
            builder: format_ident!("{}Builder", ty),
            declared: format_ident!("__{}Declared", ty),
            slots: format_ident!("__{}_supervision_slots", ty),
        }
    }

    /// The state of a slot whose worker is not supplied yet: nothing, `()` (the error's help
    /// line then reads "… is not implemented for `()`").
    pub(crate) fn open_path(&self) -> TokenStream {
        quote!(())
    }
}

/// The trait a slot's state implements once its worker is supplied: `AppWebAcceptorSlot`. Its
/// name shows in the error's help line, so it reads as the child's.
fn slot_trait(root: &Sup, slot: &Slot<'_>) -> Ident {
    format_ident!("{}{}Slot", root.ty, upper_camel(&slot.method.to_string()))
}

/// The builder struct, its methods, the slots module, the `__Declared` struct holding the specs
/// of the children declared with a value, and the built spec's type, `AppSpec`.
pub(crate) fn builder(
    krate: &TokenStream,
    root: &Sup,
    names: &BuilderNames,
    module: &Ident,
    slots: &[Slot<'_>],
    declared: &[(Ident, TokenStream)],
    build_body: TokenStream,
) -> TokenStream {
    let vis = &root.vis;
    let ty = &root.ty;
    let BuilderNames {
        builder,
        declared: declared_ty,
        slots: slots_mod,
    } = names;
    let child_enum = format_ident!("{}Child", ty);
    let spec_ty = format_ident!("{}Spec", ty);
    // Each slot's state parameter is named as its method, so that a note reads
    // "required by a bound in `AppBuilder::<web_acceptor>::build`".
    let params: Vec<&Ident> = slots.iter().map(|s| &s.method).collect();
    let fields = &params;
    let open_path = names.open_path();

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
        let trait_name = slot_trait(root, slot);
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
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #trait_name<W> {
                fn __take(self) -> W;
            }

            impl<W> #trait_name<W> for #krate::__private::Provided<W> {
                fn __take(self) -> W {
                    self.0
                }
            }
        }
    });
    let slots_module = quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, unreachable_pub)]
        mod #slots_mod {
            #(#traits)*
        }
    };

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
                    __spec: self.__spec,
                    #(#moves,)*
                }
            }
        }
    });

    // Spanned at the open child's name: the note "required by this bound" points there.
    let bounds: Vec<TokenStream> = slots
        .iter()
        .map(|slot| {
            let trait_name = slot_trait(root, slot);
            let worker_ty = slot.ty;
            let param = &slot.method;
            let mut slots_mod = slots_mod.clone();
            slots_mod.set_span(param.span());
            quote_spanned!(param.span()=> #param: #slots_mod::#trait_name<#worker_ty>)
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
    let opens = params.iter().map(|_| open_path.clone());
    let initial = if params.is_empty() {
        quote!()
    } else {
        quote!(<#(#opens),*>)
    };
    let open_inits = fields.iter().map(|f| quote!(#f: #open_path));
    let name = root.name.to_string();
    let doc = format!(
        "Builds the spec of [`{ty}`]: supply every child the declaration leaves open with its method, then [`build`]({builder}::build) the spec or [`start`]({builder}::start) the tree."
    );
    let spec = spec_type(krate, root, module);
    let result =
        quote!(::core::result::Result<#krate::Tree<#module::#child_enum>, #krate::StartError>);

    quote! {
        #declared_struct
        #slots_module
        #spec

        #[doc = #doc]
        #[must_use = "a builder does nothing until `build` or `start` is called"]
        #[allow(dead_code, non_camel_case_types)]
        #vis struct #builder #generics {
            #[doc(hidden)]
            __declared: #declared_ty,
            #[doc(hidden)]
            __spec: #krate::SupervisorSpec,
            #(
                #[doc(hidden)]
                #fields: #params,
            )*
        }

        #[allow(dead_code)]
        impl #builder #initial {
            #[doc(hidden)]
            #vis fn __new(declared: #declared_ty) -> Self {
                #builder {
                    __declared: declared,
                    __spec: #krate::SupervisorSpec::new(#name),
                    #(#open_inits,)*
                }
            }
        }

        #[allow(dead_code, non_camel_case_types)]
        impl #generics #builder #generics {
            #(#setters)*

            /// Subscribes to the events of the tree this builder will start, from its first
            /// start on: every event until the tree's last, `TreeEnded`, after which the stream
            /// ends. Call it before [`build`](Self::build) or [`start`](Self::start).
            #vis fn subscribe(&mut self) -> #krate::EventStream {
                self.__spec.subscribe()
            }

            /// The spec of the whole tree, ready to start as a tree named by the child enum, or
            /// to inspect.
            #vis fn build(self) -> #spec_ty #where_clause {
                let declared = self.__declared;
                let root = self.__spec;
                #spec_ty::__new(#build_body)
            }

            /// Starts the tree: children in start order, each init finishing before the next.
            #vis fn start(self) -> ::core::pin::Pin<::std::boxed::Box<
                dyn ::core::future::Future<Output = #result> + ::core::marker::Send + 'static,
            >> #where_clause {
                ::std::boxed::Box::pin(self.build().start())
            }
        }
    }
}

/// `AppSpec`: a built spec that remembers its tree's child enum, so that it starts as a
/// `Tree<AppChild>`.
fn spec_type(krate: &TokenStream, root: &Sup, module: &Ident) -> TokenStream {
    let vis = &root.vis;
    let ty = &root.ty;
    let spec_ty = format_ident!("{}Spec", ty);
    let child_enum = format_ident!("{}Child", ty);
    let doc = format!(
        "The spec of the tree [`{ty}`], built: [`start`]({spec_ty}::start) gives a `Tree` named by [`{child_enum}`]. It reads as the `SupervisorSpec` it holds (`name`, `child_specs`, `validate`); [`map_spec`]({spec_ty}::map_spec) sets what the declaration does not (a journal, a backoff), and [`into_spec`]({spec_ty}::into_spec) gives the spec itself, for a tree named by paths."
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #[allow(dead_code)]
        #vis struct #spec_ty {
            #[doc(hidden)]
            spec: #krate::SupervisorSpec,
        }

        #[allow(dead_code)]
        impl #spec_ty {
            #[doc(hidden)]
            #vis fn __new(spec: #krate::SupervisorSpec) -> Self {
                #spec_ty { spec }
            }

            /// Subscribes to the events of the tree this spec will start, so that none is
            /// missed: every event until the tree's last, `TreeEnded`, after which the stream
            /// ends.
            #vis fn subscribe(&mut self) -> #krate::EventStream {
                self.spec.subscribe()
            }

            /// Starts the tree: children in start order, each init finishing before the next.
            #vis async fn start(self) -> ::core::result::Result<#krate::Tree<#module::#child_enum>, #krate::StartError> {
                ::core::result::Result::Ok(self.spec.start().await?.with_keys())
            }

            /// Changes the root's spec with the runtime's builder calls (`journal`, `backoff`,
            /// `seed`, `auto_shutdown`, more children); the tree is still named by its enum, so
            /// keep the children the declaration names.
            #vis fn map_spec(self, change: impl ::core::ops::FnOnce(#krate::SupervisorSpec) -> #krate::SupervisorSpec) -> Self {
                #spec_ty { spec: change(self.spec) }
            }

            /// The spec itself, for a tree named by paths (`ChildRef`).
            #vis fn into_spec(self) -> #krate::SupervisorSpec {
                self.spec
            }
        }

        impl ::core::ops::Deref for #spec_ty {
            type Target = #krate::SupervisorSpec;

            fn deref(&self) -> &#krate::SupervisorSpec {
                &self.spec
            }
        }

        impl ::core::convert::From<#spec_ty> for #krate::SupervisorSpec {
            fn from(spec: #spec_ty) -> Self {
                spec.spec
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
