//! Mutations of valid inputs, for the tests that prove the macros never panic.

use proc_macro2::{Group, TokenStream, TokenTree};

/// Every variant of `input` with one token tree dropped, duplicated or swapped with the
/// next, at every depth.
pub(crate) fn mutations(input: &TokenStream) -> Vec<TokenStream> {
    let tts: Vec<TokenTree> = input.clone().into_iter().collect();
    let mut out = Vec::new();
    let rebuild = |tts: Vec<TokenTree>| tts.into_iter().collect::<TokenStream>();
    for i in 0..tts.len() {
        let mut dropped = tts.clone();
        dropped.remove(i);
        out.push(rebuild(dropped));
        let mut duplicated = tts.clone();
        duplicated.insert(i, tts[i].clone());
        out.push(rebuild(duplicated));
        if i + 1 < tts.len() {
            let mut swapped = tts.clone();
            swapped.swap(i, i + 1);
            out.push(rebuild(swapped));
        }
        if let TokenTree::Group(group) = &tts[i] {
            for inner in mutations(&group.stream()) {
                let mut nested = tts.clone();
                let mut replaced = Group::new(group.delimiter(), inner);
                replaced.set_span(group.span());
                nested[i] = TokenTree::Group(replaced);
                out.push(rebuild(nested));
            }
        }
    }
    out
}
