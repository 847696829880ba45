//! Settings and options: `strategy: …`, `intensity: MAX within PERIOD`, and a child's
//! `restart`, `shutdown` and `depends_on`, each read into the model or reported.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::ParseStream;
use syn::{Ident, Token};

use super::super::model::{ChildOpts, Intensity, Strategy, Sup};
use crate::ctxt::Errors;
use crate::names::{did_you_mean, duration, one_of};
use crate::options::{self, RawValue};

pub(super) const SUPERVISOR_KEYS: [&str; 10] = [
    "strategy",
    "intensity",
    "auto_shutdown",
    "backoff",
    "restart",
    "shutdown",
    "depends_on",
    "significant",
    "quarantine",
    "start_timeout",
];

pub(super) fn supervisor_setting(
    sup: &mut Sup,
    key: &Ident,
    value: &RawValue,
    is_root: bool,
    errors: &mut Errors,
) {
    let name = key.to_string();
    match name.as_str() {
        "strategy" => match value.ident("a strategy", &Strategy::NAMES) {
            Ok(ident) => match Strategy::from_name(&ident.to_string()) {
                Some(s) => sup.strategy = Some((s, ident.span())),
                None => errors.at(
                    &ident,
                    format!(
                        "unknown strategy `{ident}`{}; expected {}",
                        did_you_mean(&ident.to_string(), &Strategy::NAMES),
                        one_of(&Strategy::NAMES)
                    ),
                ),
            },
            Err(e) => errors.push(e),
        },
        "intensity" => match intensity(value) {
            Ok(i) => sup.intensity = Some(i),
            Err(e) => errors.push(e),
        },
        "auto_shutdown" => match super::resilience::auto_shutdown(value) {
            Ok(a) => sup.auto_shutdown = Some(a),
            Err(e) => errors.push(e),
        },
        "backoff" => match super::resilience::backoff(value) {
            Ok(b) => sup.backoff = Some(b),
            Err(e) => errors.push(e),
        },
        "heartbeat" => errors.at(
            key,
            "a supervisor never calls `ctx.heartbeat()`, so a `heartbeat` would stop it as unresponsive: set `heartbeat` on the workers under it",
        ),
        "restart" | "shutdown" | "depends_on" | "significant" | "quarantine" | "start_timeout"
            if is_root =>
        {
            errors.at(
            key,
                format!("`{name}` is a child option, and the root supervisor is nobody's child: set it on nested supervisors only"),
            )
        }
        _ => child_option(&mut sup.opts, key, value, &SUPERVISOR_KEYS, errors),
    }
}

/// `restart`, `shutdown` or `depends_on`, for a worker or a nested supervisor.
pub(super) fn child_option(
    opts: &mut ChildOpts,
    key: &Ident,
    value: &RawValue,
    keys: &[&str],
    errors: &mut Errors,
) {
    let name = key.to_string();
    match name.as_str() {
        "restart" => match options::restart(value) {
            Ok(r) => opts.restart = Some(r),
            Err(e) => errors.push(e),
        },
        "shutdown" => match options::shutdown(value) {
            Ok(s) => opts.shutdown = Some(s),
            Err(e) => errors.push(e),
        },
        "depends_on" => match options::sibling_list(value) {
            Ok((names, inside)) => {
                opts.depends_on = names;
                opts.depends_on_inside = inside;
            }
            Err(e) => errors.push(e),
        },
        "backoff" => match super::resilience::backoff(value) {
            Ok(b) => opts.backoff = Some(b),
            Err(e) => errors.push(e),
        },
        "significant" => match value.single() {
            None if value.tokens.is_empty() => opts.significant = Some(key.span()),
            Some(TokenTree::Ident(b)) if b == "true" => opts.significant = Some(key.span()),
            Some(TokenTree::Ident(b)) if b == "false" => opts.significant = None,
            _ => errors.push(value.error(
                "`significant` is a flag: write `significant` alone (or `significant: true`)",
            )),
        },
        "quarantine" => match super::resilience::quarantine(value) {
            Ok(q) => opts.quarantine = Some(q),
            Err(e) => errors.push(e),
        },
        "heartbeat" => match super::resilience::positive_duration(value, "heartbeat") {
            Ok(d) => opts.heartbeat = Some(d),
            Err(e) => errors.push(e),
        },
        "start_timeout" => match super::resilience::positive_duration(value, "start_timeout") {
            Ok(d) => opts.start_timeout = Some(d),
            Err(e) => errors.push(e),
        },
        _ => errors.at(
            key,
            format!(
                "unknown key `{name}`{}; expected {}",
                did_you_mean(&name, keys),
                one_of(keys)
            ),
        ),
    }
}

/// `5 within 10s`.
pub(super) fn intensity(value: &RawValue) -> syn::Result<Intensity> {
    let usage = "write the intensity as `MAX within PERIOD`, e.g. `5 within 10s`";
    let tokens: Vec<TokenTree> = value.tokens.clone().into_iter().collect();
    let [
        TokenTree::Literal(max),
        TokenTree::Ident(within),
        TokenTree::Literal(period),
    ] = tokens.as_slice()
    else {
        return Err(syn::Error::new(
            value.span(),
            format!("malformed intensity: {usage}"),
        ));
    };
    if within != "within" {
        return Err(syn::Error::new(
            within.span(),
            format!("expected `within`, found `{within}`: {usage}"),
        ));
    }
    let syn::Lit::Int(max) = syn::Lit::new(max.clone()) else {
        return Err(syn::Error::new(
            max.span(),
            format!("the maximum number of restarts must be a whole number: {usage}"),
        ));
    };
    if !max.suffix().is_empty() {
        return Err(syn::Error::new(
            max.span(),
            format!("the maximum number of restarts takes no unit: {usage}"),
        ));
    }
    let max_restarts: u32 = max.base10_parse().map_err(|_| {
        syn::Error::new(
            max.span(),
            format!(
                "at most {} restarts can be allowed: the maximum must fit in a `u32`",
                u32::MAX
            ),
        )
    })?;
    let period_lit = syn::Lit::new(period.clone());
    let period = duration(&period_lit)?;
    if period.is_zero() {
        return Err(syn::Error::new(
            period_lit.span(),
            "the intensity period must be longer than zero, e.g. `5s`",
        ));
    }
    if period > std::time::Duration::from_secs(u64::from(u32::MAX)) {
        return Err(syn::Error::new(
            period_lit.span(),
            "the intensity period is too long: the longest supported is u32::MAX seconds (about 136 years)",
        ));
    }
    Ok(Intensity {
        max_restarts,
        period,
    })
}

/// The tokens of a value, up to the next top-level `,` or `;` (or the next `key:`).
pub(super) fn raw_value(input: ParseStream, key_span: Span) -> syn::Result<RawValue> {
    let mut tokens = TokenStream::new();
    // A value never holds `key:`: that is the next option, written without its `,`.
    while !input.is_empty()
        && !input.peek(Token![,])
        && !input.peek(Token![;])
        && (tokens.is_empty() || super::recover::starts_option(input).is_none())
    {
        input.parse::<TokenTree>()?.to_tokens(&mut tokens);
    }
    Ok(RawValue { tokens, key_span })
}
