//! Procedural macros of the `supervisor` crate: `supervision_tree!` and `#[worker]`.
//!
//! Use them through the `supervisor` crate, which re-exports them.

use proc_macro::TokenStream;

/// Declares a supervision tree (work in progress: see the tracker's DSL issue).
#[proc_macro]
pub fn supervision_tree(input: TokenStream) -> TokenStream {
    let _ = input;
    "::core::compile_error!(\"supervision_tree! is not implemented yet\");"
        .parse()
        .unwrap_or_default()
}

/// Turns an `async fn` or an impl block into a worker (work in progress).
#[proc_macro_attribute]
pub fn worker(attr: TokenStream, item: TokenStream) -> TokenStream {
    let _ = attr;
    item
}
