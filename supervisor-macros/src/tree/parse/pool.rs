//! `pool name: Type, option: value, …;`: a pool child and its options. A value or a body on a
//! pool is reported and skipped, so the parse goes on and the pool is still expanded.

use proc_macro2::{Span, TokenTree};
use quote::quote;
use syn::parse::ParseStream;
use syn::{Attribute, Ident, Token, Type};

use super::settings::{child_option, intensity, raw_value};
use crate::ctxt::Errors;
use crate::names::{did_you_mean, one_of, type_name};
use crate::options::RawValue;
use crate::tree::model::{ChildOpts, InstanceOpts, Partitions, PoolChild};

/// The options of a pool line.
pub(crate) const POOL_KEYS: [&str; 9] = [
    "max_children",
    "intensity",
    "restart",
    "shutdown",
    "backoff",
    "heartbeat",
    "start_timeout",
    "partitions",
    "depends_on",
];

/// `pool name: Type, option: value, …;` in the body of the supervisor `sup_ty`.
pub(super) fn parse_pool(
    input: ParseStream,
    errors: &mut Errors,
    docs: Vec<Attribute>,
    sup_ty: &Ident,
) -> syn::Result<PoolChild> {
    input.parse::<Ident>()?;
    let name = super::child_name(input, errors, "pool")?;
    if !input.peek(Token![:]) || input.peek(Token![::]) {
        return Err(input.error(format!(
            "expected `:` and the worker type of the pool's instances: `pool {name}: Type;`"
        )));
    }
    input.parse::<Token![:]>()?;
    let ty: Type = input.parse()?;
    let key = format!("{sup_ty}::{}", name.to_string().to_ascii_uppercase());
    let ty_name = type_name(&ty);

    if input.peek(Token![=]) {
        let eq: Token![=] = input.parse()?;
        let value = raw_value(input, eq.span)?;
        let tokens = value.tokens;
        errors.at(
            quote!(#eq #tokens),
            format!("a pool has no value: remove `= …` and start each instance at run time from its own value, `tree.pool({key}).await?.start(…)`"),
        );
    }
    let mut had_body = false;
    if input.peek(syn::token::Brace) {
        let TokenTree::Group(body) = input.parse::<TokenTree>()? else {
            return Err(input.error("expected the pool's options"));
        };
        had_body = true;
        errors.at_span(
            body.span_open(),
            format!("a pool has no body: remove `{{ … }}`; its options follow its type (`pool {name}: {ty_name}, max_children: 100;`) and its instances, all `{ty_name}`, are started at run time through `{key}`"),
        );
    }

    let mut pool = PoolChild {
        docs,
        name,
        ty,
        opts: ChildOpts::default(),
        instances: InstanceOpts::default(),
        max_children: None,
        intensity: None,
        partitions: None,
    };
    let mut seen: Vec<Ident> = Vec::new();
    loop {
        if input.peek(Token![,]) {
            let comma: Token![,] = input.parse()?;
            if input.is_empty() || input.peek(Token![;]) {
                break;
            }
            if super::recover::starts_child(input) {
                errors.at(comma, super::recover::comma_message(&pool.name));
                return Ok(pool);
            }
        } else if let Some(key) = super::recover::starts_option(input) {
            // Read as if the `,` were there.
            errors.push(super::recover::missing_comma(&key, &pool.name));
        } else {
            break;
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected a pool option: {}", one_of(&POOL_KEYS)),
            )
        })?;
        input.parse::<Token![:]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `:` after `{key}`: options look like `max_children: 100`"),
            )
        })?;
        let value = raw_value(input, key.span())?;
        if seen.contains(&key) {
            errors.at(&key, format!("`{key}` is set twice; keep one"));
            continue;
        }
        seen.push(key.clone());
        pool_option(&mut pool, &key, &value, errors);
    }
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    } else if !input.is_empty() && !had_body {
        return Err(super::recover::unended(input, &pool.name));
    }
    Ok(pool)
}

fn pool_option(pool: &mut PoolChild, key: &Ident, value: &RawValue, errors: &mut Errors) {
    let result = match key.to_string().as_str() {
        "max_children" => max_children(value).map(|max| pool.max_children = max),
        "intensity" => intensity(value).map(|i| pool.intensity = Some(i)),
        "partitions" => partitions(value).map(|p| pool.partitions = Some(p)),
        "backoff" => super::resilience::backoff(value).map(|b| pool.instances.backoff = Some(b)),
        "heartbeat" => super::resilience::positive_duration(value, "heartbeat")
            .map(|d| pool.instances.heartbeat = Some(d)),
        "start_timeout" => super::resilience::positive_duration(value, "start_timeout")
            .map(|d| pool.instances.start_timeout = Some(d)),
        "auto_shutdown" => Err(syn::Error::new(
            key.span(),
            "a pool's instances are never significant, so a pool never shuts down on their end: remove `auto_shutdown` (it belongs on a `supervisor`)",
        )),
        "significant" | "quarantine" => Err(syn::Error::new(
            key.span(),
            format!(
                "`{key}` is not a pool option (a pool line sets its instances' options); expected {}",
                one_of(&POOL_KEYS)
            ),
        )),
        "strategy" => Err(syn::Error::new(
            key.span(),
            "a pool is always `one_for_one` (each instance is restarted on its own): remove `strategy`",
        )),
        _ => {
            // `restart` and `shutdown` are the instances'; `depends_on` is the pool's own.
            let mut opts = ChildOpts::default();
            child_option(&mut opts, key, value, &POOL_KEYS, errors);
            pool.instances.restart = opts.restart.or(pool.instances.restart);
            pool.instances.shutdown = opts.shutdown.or(pool.instances.shutdown);
            if !opts.depends_on.is_empty() || !opts.depends_on_inside.is_empty() {
                pool.opts.depends_on = opts.depends_on;
                pool.opts.depends_on_inside = opts.depends_on_inside;
            }
            Ok(())
        }
    };
    if let Err(e) = result {
        errors.push(e);
    }
}

/// A positive whole number without a unit, for `what`.
fn positive(value: &RawValue, what: &str, zero: &str) -> Option<syn::Result<(u64, Span)>> {
    let Some(TokenTree::Literal(lit)) = value.single() else {
        return None;
    };
    Some(match syn::Lit::new(lit) {
        syn::Lit::Int(int) if int.suffix().is_empty() => match int.base10_parse::<u64>() {
            Ok(0) => Err(syn::Error::new(int.span(), zero)),
            Ok(n) => Ok((n, int.span())),
            Err(_) => Err(syn::Error::new(
                int.span(),
                format!("{what} is too large: it must fit in a `usize`"),
            )),
        },
        other => Err(syn::Error::new(
            other.span(),
            format!("{what} is a whole number without a unit, such as `4`"),
        )),
    })
}

/// `max_children: 10_000` or `max_children: infinity` (no limit, as when it is left out).
fn max_children(value: &RawValue) -> syn::Result<Option<(u64, Span)>> {
    let zero = "a pool with `max_children: 0` could never start an instance: give it at least 1, or leave `max_children` out for no limit";
    if let Some(number) = positive(value, "`max_children`", zero) {
        return number.map(Some);
    }
    match value.single() {
        Some(TokenTree::Ident(ident)) if ident == "infinity" => Ok(None),
        _ => Err(value.error(
            "expected the most instances the pool holds at once, such as `10_000`, or `infinity` for no limit",
        )),
    }
}

/// `partitions: 4` or `partitions: per_thread`.
fn partitions(value: &RawValue) -> syn::Result<(Partitions, Span)> {
    let expected =
        "a positive number such as `4`, or `per_thread` (one per worker thread of the runtime)";
    let zero = "a pool runs as at least one partition: write a positive number, `per_thread`, or leave `partitions` out for one";
    if let Some(number) = positive(value, "the number of partitions", zero) {
        return number.map(|(n, span)| (Partitions::Fixed(n), span));
    }
    match value.single() {
        Some(TokenTree::Ident(ident)) if ident == "per_thread" => {
            Ok((Partitions::PerThread, ident.span()))
        }
        Some(TokenTree::Ident(ident)) => {
            let name = ident.to_string();
            Err(syn::Error::new(
                ident.span(),
                format!(
                    "unknown partitions `{name}`{}; expected {expected}",
                    did_you_mean(&name, &["per_thread"])
                ),
            ))
        }
        _ => Err(value.error(format!("expected the number of partitions: {expected}"))),
    }
}
