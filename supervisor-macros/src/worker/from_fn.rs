//! `#[worker]` on an `async fn`: a struct of its arguments, cloned for every start, whose
//! `Worker::run` calls the fn. Arguments that borrow or are not `Clone`, and return types that
//! are not a `Result<(), E>` (or nothing), are reported at the user's tokens.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{FnArg, ItemFn, Pat, Type};

use super::{Options, check_signature, consts};
use crate::ctxt::Errors;
use crate::names::{type_name, upper_camel};

pub(super) fn from_fn(f: ItemFn, opts: &Options, errors: &mut Errors) -> TokenStream {
    let krate = &opts.krate;
    if !check_signature(&f.sig, false, errors) {
        return quote!(#f);
    }
    let vis = &f.vis;
    let fn_name = &f.sig.ident;
    let shown_name = fn_name.to_string();
    let shown_name = shown_name.trim_start_matches("r#");
    let struct_name = format_ident!("{}", upper_camel(shown_name), span = fn_name.span());
    let mut fields = Vec::new();
    let mut types = Vec::new();
    for arg in f.sig.inputs.iter().skip(1) {
        let FnArg::Typed(typed) = arg else { continue };
        match &*typed.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                let mut ty = (*typed.ty).clone();
                if let Some(borrow) = borrowed(&ty) {
                    errors.at(&typed.ty, borrow_message(&p.ident, &ty, borrow));
                    // The rest of the expansion still type-checks: the field holds the
                    // `'static` version of the borrow, so only this error is reported.
                    StaticLifetimes.visit_type_mut(&mut ty);
                }
                fields.push(p.ident.clone());
                types.push(ty);
            }
            other => errors.at(other, "a worker fn's arguments must be plain names (`port: u16`): they become the worker's fields"),
        }
    }
    if fields.len() + 1 != f.sig.inputs.len() {
        return quote!(#f);
    }
    let clone_check = clone_check(shown_name);
    // Spanned on each argument's type (the field on its name), so an argument that is not
    // `Clone` is reported there, name and type.
    let clones: Vec<TokenStream> = fields
        .iter()
        .zip(&types)
        .map(|(f, ty)| quote_spanned!(ty.span()=> clone_argument(&self.#f)))
        .collect();
    let consts = consts(opts);
    // Spanned on the fn's own return type: a future that is not `Send`, or a return type that
    // is not a worker's, is reported there.
    let (result, returned_span) = match &f.sig.output {
        syn::ReturnType::Type(_, ty) => (
            quote_spanned!(ty.span()=> ::core::result::Result<(), #krate::BoxError>),
            ty.span(),
        ),
        syn::ReturnType::Default => (quote!(#krate::WorkerResult), fn_name.span()),
    };
    let finish = finish(krate, shown_name, returned_span);
    let mut callee = fn_name.clone();
    callee.set_span(returned_span);
    // A return type that is not a worker's is reported at the return type; an error type that
    // does not convert, at the error type (`E` of `Result<(), E>`, when it is written).
    let error_span = match &f.sig.output {
        syn::ReturnType::Type(_, ty) => error_type(ty).map_or(returned_span, |e| e.span()),
        syn::ReturnType::Default => returned_span,
    };
    let into_box = quote_spanned!(error_span=> WorkerError::into_box(error));
    let call = quote_spanned! {returned_span=>
        let returned = #callee(ctx, #(this.#fields),*).await;
        match WorkerReturn::split(returned) {
            ::core::result::Result::Ok(()) => ::core::result::Result::Ok(()),
            ::core::result::Result::Err(error) => ::core::result::Result::Err(#into_box),
        }
    };
    let struct_doc = format!(
        "The worker that runs [`{fn_name}`]; every start and restart calls it with clones of these fields.\n\nAs a child, unless its tree says otherwise: restart `{}`, shutdown `{}`.",
        opts.restart.map_or("permanent", |r| r.name()),
        opts.shutdown
            .map_or_else(|| "5s".to_owned(), super::show_shutdown),
    );
    let new_doc = format!("A worker that calls [`{fn_name}`] with these arguments.");
    quote! {
        #f

        #[doc = #struct_doc]
        #vis struct #struct_name {
            #(
                #[allow(missing_docs)]
                pub #fields: #types,
            )*
        }

        impl ::core::clone::Clone for #struct_name {
            fn clone(&self) -> Self {
                #clone_check
                Self { #(#fields: #clones,)* }
            }
        }

        impl #struct_name {
            #[doc = #new_doc]
            #[allow(clippy::too_many_arguments, clippy::new_without_default)]
            #vis fn new(#(#fields: #types),*) -> Self {
                Self { #(#fields),* }
            }
        }

        impl #krate::Worker for #struct_name {
            #consts

            async fn run(&mut self, ctx: &#krate::Context) -> #result {
                #finish
                let this = ::core::clone::Clone::clone(self);
                #call
            }
        }
    }
}

/// `clone_argument(&self.field)`, which says why an argument must be `Clone` when it is not.
fn clone_check(fn_name: &str) -> TokenStream {
    let message = format!(
        "`{{Self}}` is not `Clone`, but the worker `{fn_name}` clones its arguments for every start and restart"
    );
    let note = "derive `Clone` for it, share one value as `Arc<{Self}>`, or create it inside the worker fn so that each run makes its own";
    quote! {
        #[diagnostic::on_unimplemented(
            message = #message,
            label = "every start gets a clone of this argument",
            note = #note
        )]
        trait WorkerArgument: ::core::clone::Clone {}
        impl<T: ::core::clone::Clone> WorkerArgument for T {}
        fn clone_argument<T: WorkerArgument>(value: &T) -> T {
            ::core::clone::Clone::clone(value)
        }
    }
}

/// What turns the fn's result into a `WorkerResult`, from nothing (`()`) or from any
/// `Result<(), E>` whose error converts into a `BoxError`; anything else is reported in words.
fn finish(krate: &TokenStream, fn_name: &str, span: Span) -> TokenStream {
    let returns =
        format!("the worker fn `{fn_name}` returns `{{Self}}`, which is not a worker's result");
    let returns_note = "return `WorkerResult`, any `Result<(), E>` whose error converts into `supervisor::BoxError` (`io::Result<()>`, `anyhow::Result<()>`), or nothing";
    let error = format!(
        "the worker fn `{fn_name}` fails with `{{Self}}`, which does not convert into `supervisor::BoxError`"
    );
    let error_note = "implement `std::error::Error` for `{Self}` (it must also be `Send + Sync + 'static`), or map the error into a type that does with `.map_err(…)`";
    quote_spanned! {span=>
        #[diagnostic::on_unimplemented(message = #returns, label = "the worker's return type", note = #returns_note)]
        trait WorkerReturn {
            type Error;
            fn split(self) -> ::core::result::Result<(), Self::Error>;
        }
        impl WorkerReturn for () {
            type Error = ::core::convert::Infallible;
            fn split(self) -> ::core::result::Result<(), Self::Error> {
                ::core::result::Result::Ok(())
            }
        }
        impl<E> WorkerReturn for ::core::result::Result<(), E> {
            type Error = E;
            fn split(self) -> ::core::result::Result<(), E> {
                self
            }
        }
        #[diagnostic::on_unimplemented(message = #error, label = "the worker's error type", note = #error_note)]
        trait WorkerError {
            fn into_box(self) -> #krate::BoxError;
        }
        impl<E: ::core::convert::Into<#krate::BoxError>> WorkerError for E {
            fn into_box(self) -> #krate::BoxError {
                ::core::convert::Into::into(self)
            }
        }
    }
}

/// `E` of a return type written `Result<(), E>` (or `io::Result<(), E>`, any path whose last
/// segment has two type arguments).
fn error_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    types.next()?;
    types.next()
}

/// What an argument's type borrows, if anything but `'static`.
enum Borrow {
    /// `&T` or `&mut T` at the top.
    Reference { mutable: bool, of: Box<Type> },
    /// A lifetime deeper inside (`Vec<&str>`, `Cow<'a, str>`).
    Inside,
}

fn borrowed(ty: &Type) -> Option<Borrow> {
    if let Type::Reference(r) = ty
        && r.lifetime.as_ref().is_none_or(|l| l.ident != "static")
    {
        return Some(Borrow::Reference {
            mutable: r.mutability.is_some(),
            of: r.elem.clone(),
        });
    }
    let mut finder = FindsBorrow(false);
    finder.visit_type(ty);
    finder.0.then_some(Borrow::Inside)
}

fn borrow_message(name: &syn::Ident, ty: &Type, borrow: Borrow) -> String {
    let why =
        "a worker keeps its arguments in its fields and clones them for every start and restart";
    let shown = format!("`{name}: {}`", type_name(ty));
    match borrow {
        Borrow::Reference { mutable: true, of } => {
            let of = type_name(&of);
            format!("{shown} borrows, but {why}: share the value as `Arc<Mutex<{of}>>` instead")
        }
        Borrow::Reference { mutable: false, of } => {
            let of_name = type_name(&of);
            let owned = match of_name.as_str() {
                "str" => "`String` (or `Arc<str>`, to share one copy)".to_owned(),
                "Path" | "std::path::Path" => {
                    "`PathBuf` (or `Arc<Path>`, to share one copy)".to_owned()
                }
                _ => match &*of {
                    Type::Slice(slice) => {
                        let elem = type_name(&slice.elem);
                        format!("`Vec<{elem}>` (or `Arc<[{elem}]>`, to share one copy)")
                    }
                    _ => format!("`{of_name}` (or `Arc<{of_name}>`, to share one value)"),
                },
            };
            format!("{shown} borrows, but {why}: take {owned} instead")
        }
        Borrow::Inside => format!(
            "{shown} borrows, but {why}: take an owned type instead (`String` for `&str`, or an `Arc` to share one value)"
        ),
    }
}

/// Whether a type names any lifetime but `'static`, or elides one in a reference.
struct FindsBorrow(bool);

impl<'ast> Visit<'ast> for FindsBorrow {
    fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
        if lifetime.ident != "static" {
            self.0 = true;
        }
    }

    fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
        if r.lifetime.is_none() {
            self.0 = true;
        }
        syn::visit::visit_type_reference(self, r);
    }
}

/// Makes every lifetime of a type `'static`, elided ones included.
struct StaticLifetimes;

impl VisitMut for StaticLifetimes {
    fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
        *lifetime = syn::Lifetime::new("'static", lifetime.span());
    }

    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        if r.lifetime.is_none() {
            r.lifetime = Some(syn::Lifetime::new("'static", r.and_token.span));
        }
        syn::visit_mut::visit_type_reference_mut(self, r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(arg: &str) -> Option<String> {
        let ty: Type = syn::parse_str(arg).unwrap();
        let name = syn::Ident::new("x", Span::call_site());
        borrowed(&ty).map(|b| borrow_message(&name, &ty, b))
    }

    #[test]
    fn a_borrowed_argument_is_told_its_owned_form() {
        assert!(
            message("&str")
                .unwrap()
                .contains("take `String` (or `Arc<str>`")
        );
        assert!(
            message("&'a [u8]")
                .unwrap()
                .contains("take `Vec<u8>` (or `Arc<[u8]>`")
        );
        assert!(
            message("&Config")
                .unwrap()
                .contains("take `Config` (or `Arc<Config>`")
        );
        assert!(
            message("&mut Vec<u8>")
                .unwrap()
                .contains("`Arc<Mutex<Vec<u8>>>`")
        );
        assert!(message("Vec<&str>").unwrap().contains("take an owned type"));
        assert!(
            message("Cow<'a, str>")
                .unwrap()
                .contains("take an owned type")
        );
    }

    #[test]
    fn owned_and_static_arguments_are_fine() {
        for ok in [
            "String",
            "&'static str",
            "Arc<str>",
            "Vec<&'static [u8]>",
            "u16",
        ] {
            assert_eq!(message(ok), None, "{ok}");
        }
    }

    #[test]
    fn a_borrowed_argument_still_gives_the_worker_with_a_static_field() {
        let out = super::super::worker(
            TokenStream::new(),
            "async fn greeter(ctx: &Context, name: &str) -> WorkerResult { Ok(()) }"
                .parse()
                .unwrap(),
        )
        .to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains("pub name : & 'static str"), "{out}");
    }
}
