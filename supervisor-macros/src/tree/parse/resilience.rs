//! Issue 16's and 17's options: `backoff`, `significant`, `quarantine`, `heartbeat`,
//! `start_timeout` on a child, `auto_shutdown` and `backoff` on a supervisor, `backoff` on a
//! pool, each read into the model or reported at the user's token.

use std::time::Duration;

use proc_macro2::TokenTree;

use super::super::model::{AutoShutdown, BackoffDecl, BackoffKind, Intensity, Jitter};
use crate::names::{did_you_mean, duration, one_of};
use crate::options::RawValue;

const BACKOFF_USAGE: &str = "write `fixed 1s`, `exponential 100ms to 30s` (then optionally `jitter full` and `reset 1m`), or `none`";

/// `N within PERIOD`, as an intensity; the number must be at least 1.
pub(super) fn quarantine(value: &RawValue) -> syn::Result<Intensity> {
    let q = super::settings::intensity(value).map_err(|e| {
        syn::Error::new(
            e.span(),
            e.to_string()
                .replace("intensity", "quarantine")
                .replace("`5 within 10s`", "`3 within 1m`"),
        )
    })?;
    if q.max_restarts == 0 {
        let first = value.tokens.clone().into_iter().next();
        let span = first.map_or(value.span(), |t| t.span());
        return Err(syn::Error::new(
            span,
            "a quarantine after 0 restarts would take the child out at its first failure, without one restart: write at least 1, e.g. `quarantine: 3 within 1m`",
        ));
    }
    Ok(q)
}

/// A duration longer than zero, for `heartbeat` or `start_timeout`.
pub(super) fn positive_duration(value: &RawValue, key: &str) -> syn::Result<Duration> {
    let Some(TokenTree::Literal(lit)) = value.single() else {
        return Err(value.error(format!("expected a duration, such as `{key}: 5s`")));
    };
    let lit = syn::Lit::new(lit);
    let d = duration(&lit)?;
    if d.is_zero() {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{key}` must be longer than zero: write a duration such as `5s`, or leave `{key}` out"
            ),
        ));
    }
    Ok(d)
}

pub(super) fn auto_shutdown(value: &RawValue) -> syn::Result<(AutoShutdown, proc_macro2::Span)> {
    let ident = value.ident("an auto_shutdown", &AutoShutdown::NAMES)?;
    let name = ident.to_string();
    match AutoShutdown::from_name(&name) {
        Some(a) => Ok((a, ident.span())),
        None => Err(syn::Error::new(
            ident.span(),
            format!(
                "unknown auto_shutdown `{name}`{}; expected {}",
                did_you_mean(&name, &AutoShutdown::NAMES),
                one_of(&AutoShutdown::NAMES)
            ),
        )),
    }
}

fn delay(token: Option<&TokenTree>, what: &str, at: &RawValue) -> syn::Result<Duration> {
    match token {
        Some(TokenTree::Literal(lit)) => duration(&syn::Lit::new(lit.clone())),
        Some(other) => Err(syn::Error::new(
            other.span(),
            format!("expected {what}, a duration such as `1s`: {BACKOFF_USAGE}"),
        )),
        None => Err(at.error(format!("expected {what} after this: {BACKOFF_USAGE}"))),
    }
}

/// `fixed D`, `exponential B to M`, `none`, then `jitter J` and `reset D` in any order.
pub(super) fn backoff(value: &RawValue) -> syn::Result<BackoffDecl> {
    let tokens: Vec<TokenTree> = value.tokens.clone().into_iter().collect();
    let Some(TokenTree::Ident(kind)) = tokens.first() else {
        return Err(value.error(format!("expected a backoff: {BACKOFF_USAGE}")));
    };
    let mut rest = 1;
    let kind = match kind.to_string().as_str() {
        "none" => BackoffKind::None,
        "fixed" => {
            let d = delay(tokens.get(1), "the delay", value)?;
            rest = 2;
            if d.is_zero() {
                return Err(syn::Error::new(
                    tokens[1].span(),
                    "a backoff's delay must be longer than zero: write e.g. `fixed 1s`, or `backoff: none` for restarts without delay",
                ));
            }
            BackoffKind::Fixed(d)
        }
        "exponential" => {
            let base = delay(tokens.get(1), "the base delay", value)?;
            if base.is_zero() {
                return Err(syn::Error::new(
                    tokens[1].span(),
                    "a backoff's base delay must be longer than zero (it doubles from there): write e.g. `exponential 100ms to 30s`, or `backoff: none` for restarts without delay",
                ));
            }
            match tokens.get(2) {
                Some(TokenTree::Ident(to)) if to == "to" => {}
                Some(other) => {
                    return Err(syn::Error::new(
                        other.span(),
                        format!("expected `to` and the maximum delay: {BACKOFF_USAGE}"),
                    ));
                }
                None => {
                    return Err(syn::Error::new(
                        tokens[1].span(),
                        format!(
                            "expected `to` and the maximum delay after the base: {BACKOFF_USAGE}"
                        ),
                    ));
                }
            }
            let max = delay(tokens.get(3), "the maximum delay", value)?;
            if max < base {
                return Err(syn::Error::new(
                    tokens[3].span(),
                    format!(
                        "the backoff's maximum `{}` is shorter than its base `{}`: write a maximum at least as long as the base",
                        tokens[3], tokens[1]
                    ),
                ));
            }
            rest = 4;
            BackoffKind::Exponential(base, max)
        }
        other => {
            return Err(syn::Error::new(
                kind.span(),
                format!(
                    "unknown backoff `{other}`{}: {BACKOFF_USAGE}",
                    did_you_mean(other, &["fixed", "exponential", "none"])
                ),
            ));
        }
    };
    let mut decl = BackoffDecl {
        kind,
        jitter: None,
        reset: None,
    };
    let mut i = rest;
    while i < tokens.len() {
        let TokenTree::Ident(word) = &tokens[i] else {
            return Err(syn::Error::new(
                tokens[i].span(),
                format!("unexpected `{}` in the backoff: {BACKOFF_USAGE}", tokens[i]),
            ));
        };
        if matches!(kind, BackoffKind::None) {
            return Err(syn::Error::new(
                word.span(),
                "`backoff: none` restarts at once and takes nothing after it: remove it, or write `fixed 1s jitter full`",
            ));
        }
        match word.to_string().as_str() {
            "jitter" if decl.jitter.is_none() => {
                let Some(TokenTree::Ident(j)) = tokens.get(i + 1) else {
                    return Err(syn::Error::new(
                        word.span(),
                        format!(
                            "expected the jitter after `jitter`: {}",
                            one_of(&Jitter::NAMES)
                        ),
                    ));
                };
                let name = j.to_string();
                let Some(jitter) = Jitter::from_name(&name) else {
                    return Err(syn::Error::new(
                        j.span(),
                        format!(
                            "unknown jitter `{name}`{}; expected {}",
                            did_you_mean(&name, &Jitter::NAMES),
                            one_of(&Jitter::NAMES)
                        ),
                    ));
                };
                decl.jitter = Some(jitter);
            }
            "reset" if decl.reset.is_none() => {
                let d = delay(tokens.get(i + 1), "the healthy run after `reset`", value)?;
                if d.is_zero() {
                    return Err(syn::Error::new(
                        tokens[i + 1].span(),
                        "`reset` must be longer than zero: it is how long a run must last to start the count of restarts again",
                    ));
                }
                decl.reset = Some(d);
            }
            "jitter" | "reset" => {
                return Err(syn::Error::new(
                    word.span(),
                    format!("`{word}` is set twice in this backoff; keep one"),
                ));
            }
            other => {
                return Err(syn::Error::new(
                    word.span(),
                    format!(
                        "unexpected `{other}` in the backoff{}: {BACKOFF_USAGE}",
                        did_you_mean(other, &["jitter", "reset"])
                    ),
                ));
            }
        }
        i += 2;
    }
    Ok(decl)
}
