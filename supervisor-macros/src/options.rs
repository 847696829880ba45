//! Child options shared by `supervision_tree!` (`restart: transient`) and `#[worker]`
//! (`restart = transient`): reading their values.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;

use crate::names::{did_you_mean, duration, one_of};
use crate::tree::model::{Restart, Shutdown};

/// An option's value: the tokens after `key:` (or `key =`) up to the next `,` or `;`.
pub(crate) struct RawValue {
    pub(crate) tokens: TokenStream,
    /// Where to point when the value is missing: the key.
    pub(crate) key_span: Span,
}

impl RawValue {
    /// The span to report errors on: the value, or the key when there is none.
    pub(crate) fn span(&self) -> Span {
        let mut iter = self.tokens.clone().into_iter();
        match iter.next() {
            None => self.key_span,
            Some(first) => {
                let start = first.span();
                let end = iter.last().map(|t| t.span()).unwrap_or(start);
                start.join(end).unwrap_or(start)
            }
        }
    }

    /// The value's one token, if it is exactly one.
    pub(crate) fn single(&self) -> Option<TokenTree> {
        let mut iter = self.tokens.clone().into_iter();
        let first = iter.next()?;
        iter.next().is_none().then_some(first)
    }

    /// An error at the value, or at the key when there is none.
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        if self.tokens.is_empty() {
            syn::Error::new(self.key_span, message)
        } else {
            syn::Error::new_spanned(&self.tokens, message)
        }
    }

    /// The value as one identifier.
    pub(crate) fn ident(&self, what: &str, expected: &[&str]) -> syn::Result<syn::Ident> {
        match self.single() {
            Some(TokenTree::Ident(ident)) => Ok(ident),
            _ => Err(self.error(format!("expected {what}: {}", one_of(expected)))),
        }
    }
}

pub(crate) fn restart(value: &RawValue) -> syn::Result<(Restart, Span)> {
    let ident = value.ident("a restart policy", &Restart::NAMES)?;
    let name = ident.to_string();
    match Restart::from_name(&name) {
        Some(r) => Ok((r, ident.span())),
        None => Err(syn::Error::new(
            ident.span(),
            format!(
                "unknown restart policy `{name}`{}; expected {}",
                did_you_mean(&name, &Restart::NAMES),
                one_of(&Restart::NAMES)
            ),
        )),
    }
}

pub(crate) fn shutdown(value: &RawValue) -> syn::Result<(Shutdown, Span)> {
    const EXPECTED: &str = "`brutal`, `infinity` or a timeout such as `5s` or `500ms`";
    match value.single() {
        Some(TokenTree::Ident(ident)) => {
            let name = ident.to_string();
            match name.as_str() {
                "brutal" => Ok((Shutdown::Brutal, ident.span())),
                "infinity" => Ok((Shutdown::Infinity, ident.span())),
                _ => Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "unknown shutdown `{name}`{}; expected {EXPECTED}",
                        did_you_mean(&name, &["brutal", "infinity"])
                    ),
                )),
            }
        }
        Some(TokenTree::Literal(lit)) => {
            let lit = syn::Lit::new(lit);
            let d = duration(&lit)?;
            if d.is_zero() {
                return Err(syn::Error::new(
                    lit.span(),
                    "a shutdown timeout of zero aborts the child without asking it to stop; write `brutal` if that is what you mean",
                ));
            }
            Ok((Shutdown::Timeout(d), lit.span()))
        }
        _ => Err(value.error(format!("expected a shutdown: {EXPECTED}"))),
    }
}

/// Splits `tokens` at top-level `sep` punctuation.
pub(crate) fn split(tokens: TokenStream, sep: char) -> Vec<TokenStream> {
    let mut parts = vec![TokenStream::new()];
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == sep => parts.push(TokenStream::new()),
            _ => {
                if let Some(last) = parts.last_mut() {
                    tt.to_tokens(last);
                }
            }
        }
    }
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// Reads `[a, b]` as sibling names: the names, and apart the entries that go on past a name
/// (`conns.x`, `conns[0]`, `conns::Conn`), which name something inside a sibling and are
/// reported once the siblings are known (a pool's instances get an error of their own).
pub(crate) fn sibling_list(value: &RawValue) -> syn::Result<(Vec<syn::Ident>, Vec<TokenStream>)> {
    let expected = "expected a list of sibling names in brackets, such as `[db, cache]`";
    let Some(TokenTree::Group(group)) = value.single() else {
        return Err(value.error(expected));
    };
    if group.delimiter() != proc_macro2::Delimiter::Bracket {
        return Err(syn::Error::new(group.span(), expected));
    }
    let mut names = Vec::new();
    let mut inside = Vec::new();
    for part in split(group.stream(), ',') {
        let mut iter = part.clone().into_iter();
        match (iter.next(), iter.next()) {
            (Some(TokenTree::Ident(ident)), None) => names.push(ident),
            (Some(TokenTree::Ident(_)), Some(_)) => inside.push(part),
            _ => {
                return Err(syn::Error::new(
                    part.span(),
                    "expected the name of a sibling declared before this child",
                ));
            }
        }
    }
    Ok((names, inside))
}
