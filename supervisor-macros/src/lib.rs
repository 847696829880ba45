//! Procedural macros of the `supervisor` crate: `supervision_tree!` and `#[worker]`.
//!
//! Use them through the `supervisor` crate, which re-exports them with the whole syntax
//! (`docs/dsl.md`) as their documentation. Each macro is a pipeline on `proc_macro2` token
//! streams, so it can be tested without a compiler: parse → model → validate → expand, with
//! errors collected and reported together at the user's tokens.

mod ctxt;
#[cfg(test)]
mod mutate;
mod names;
mod options;
mod tree;
mod worker;

use proc_macro::TokenStream;

/// Declares a supervision tree; see the `supervisor` crate's `supervision_tree!`.
#[proc_macro]
pub fn supervision_tree(input: TokenStream) -> TokenStream {
    tree::supervision_tree(input.into()).into()
}

/// (`#[worker]` is defined in the `supervisor-macros` crate, and re-exported by `supervisor`.)
#[proc_macro_attribute]
pub fn worker(attr: TokenStream, item: TokenStream) -> TokenStream {
    worker::worker(attr.into(), item.into()).into()
}
