//! Going on after a mistake that stops the reading of one child or setting: the entry is
//! skipped up to where the next one starts, and a child keeps its name.

use proc_macro2::{Delimiter, Spacing, TokenTree};
use syn::parse::ParseStream;
use syn::{Ident, Token};

use super::super::model::{Child, ChildOpts, Sup, WorkerChild};
use crate::names::is_snake_case;

const CHILD_KEYWORDS: [&str; 3] = ["worker", "pool", "supervisor"];

/// Whether the input starts a child: `worker name`, `pool name` or `supervisor name`.
pub(super) fn starts_child(input: ParseStream) -> bool {
    child_start(input).is_some()
}

/// The keyword and name of the child the input starts, if it starts one.
fn child_start(input: ParseStream) -> Option<(String, Ident)> {
    let (keyword, rest) = input.cursor().ident()?;
    let (name, _) = rest.ident()?;
    let keyword = keyword.to_string();
    CHILD_KEYWORDS
        .contains(&keyword.as_str())
        .then_some((keyword, name))
}

/// The message for a child ended with `,` instead of `;`, at the `,`.
pub(super) fn comma_message(name: &Ident) -> String {
    format!(
        "expected `;` to end the child `{name}`, found `,`: a child ends with `;`, and `,` separates its options"
    )
}

/// The key of the option the input starts (`restart:`), if it starts one.
pub(super) fn starts_option(input: ParseStream) -> Option<Ident> {
    let (key, rest) = input.cursor().ident()?;
    let (colon, _) = rest.punct()?;
    (colon.as_char() == ':' && colon.spacing() == Spacing::Alone).then_some(key)
}

/// The error for an option written without the `,` before it, at its key.
pub(super) fn missing_comma(key: &Ident, name: &Ident) -> syn::Error {
    syn::Error::new(
        key.span(),
        format!(
            "expected `,` before `{key}`: a child's options are separated by `,`, and `;` ends the child `{name}`"
        ),
    )
}

/// The error for a child that goes on where it should end: an option without its `,`, or
/// the next child without the `;` before it.
pub(super) fn unended(input: ParseStream, name: &Ident) -> syn::Error {
    match starts_option(input) {
        Some(key) => missing_comma(&key, name),
        None => input.error(format!("expected `;` to end the child `{name}`")),
    }
}

/// Skips the entry at the start of `content`, whose mistake is already reported: a child up to
/// its `;` (a nested supervisor up to its braces), a setting up to its `,` or `;`, and never
/// past the start of the next child or its doc comment. A child whose name could be read stays
/// in `sup` as a placeholder with neither type nor value: it keeps its enum variant and is left
/// out of the spec.
pub(super) fn skip_entry(content: ParseStream, sup: &mut Sup) -> syn::Result<()> {
    // The entry's own doc comments.
    while content.peek(Token![#]) {
        content.parse::<TokenTree>()?;
        if content.peek(syn::token::Bracket) {
            content.parse::<TokenTree>()?;
        }
    }
    let start = child_start(content);
    let is_supervisor = matches!(&start, Some((keyword, _)) if keyword == "supervisor");
    let mut first = true;
    while !content.is_empty() {
        if !first && (starts_child(content) || content.peek(Token![#])) {
            break;
        }
        first = false;
        match content.parse::<TokenTree>()? {
            TokenTree::Punct(p) if p.as_char() == ';' => break,
            TokenTree::Punct(p) if p.as_char() == ',' && start.is_none() => break,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && is_supervisor => {
                if content.peek(Token![,]) || content.peek(Token![;]) {
                    content.parse::<TokenTree>()?;
                }
                break;
            }
            _ => {}
        }
    }
    if let Some((_, name)) = start {
        let text = name.to_string();
        if is_snake_case(&text) && !sup.children.iter().any(|c| *c.name() == text) {
            sup.children.push(Child::Worker(Box::new(WorkerChild {
                docs: Vec::new(),
                name,
                ty: None,
                value: None,
                opts: ChildOpts::default(),
            })));
        }
    }
    Ok(())
}
