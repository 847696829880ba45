//! `supervision_tree!`: parse → model → validate → expand.

pub(crate) mod expand;
pub(crate) mod model;
pub(crate) mod parse;
pub(crate) mod validate;

use proc_macro2::TokenStream;

use crate::ctxt::Errors;

/// The whole macro on token streams: the expansion, with a `compile_error!` for every mistake
/// next to the best expansion that could still be made.
pub fn supervision_tree(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut tree = match parse::parse(input, &mut errors) {
        Ok(tree) => tree,
        Err(e) => {
            errors.push(e);
            return errors.into_compile_errors();
        }
    };
    validate::validate(&mut tree, &mut errors);
    let expansion = expand::expand(&tree, &mut errors);
    let compile_errors = errors.into_compile_errors();
    quote::quote! {
        #compile_errors
        #expansion
    }
}
