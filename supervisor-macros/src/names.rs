//! Names and literals the macros read: case conversion, "did you mean" suggestions, durations.

use proc_macro2::Span;
use quote::ToTokens;
use std::time::Duration;

/// Whether `name` is a snake_case identifier: `[a-z][a-z0-9_]*`, no double or trailing `_`.
pub(crate) fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
}

/// `web_server` → `WebServer`, `http_2` → `Http2`.
pub(crate) fn upper_camel(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `WebServer` → `web_server`; a run of capitals stays together (`HTTPServer` → `httpserver`).
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Levenshtein distance, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest of `candidates` to `word`, if close enough to be what was meant.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        // Close by edit distance, or a longer spelling of it (OTP's `brutal_kill` for `brutal`).
        .filter(|(d, c)| *d <= (c.len() / 3).max(1) + 1 || word.starts_with(*c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// " (did you mean `x`?)" or an empty string.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match closest(word, candidates) {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

/// `a`, `b` or `c`, each in backticks.
pub(crate) fn one_of(candidates: &[&str]) -> String {
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Reads a duration literal: `5s`, `500ms`, `250us`, `2m`, `1h` (an integer with a unit suffix).
pub(crate) fn duration(lit: &syn::Lit) -> Result<Duration, syn::Error> {
    const UNITS: &str =
        "write a whole number with a unit: `500ms`, `5s`, `2m`, `1h` (also `us`, `ns`)";
    let (digits, suffix, span): (String, String, Span) = match lit {
        syn::Lit::Int(int) => (
            int.base10_digits().to_owned(),
            int.suffix().to_owned(),
            int.span(),
        ),
        syn::Lit::Float(f) => {
            return Err(syn::Error::new(
                f.span(),
                format!("fractional durations are not supported; {UNITS}"),
            ));
        }
        other => {
            return Err(syn::Error::new(
                other.span(),
                format!("expected a duration; {UNITS}"),
            ));
        }
    };
    let per_unit: (u64, u32) = match suffix.as_str() {
        "ns" => (0, 1),
        "us" => (0, 1_000),
        "ms" => (0, 1_000_000),
        "s" => (1, 0),
        "m" => (60, 0),
        "h" => (3600, 0),
        "" => {
            return Err(syn::Error::new(
                span,
                format!("this duration has no unit; {UNITS}"),
            ));
        }
        other => {
            let hint = did_you_mean(other, &["ns", "us", "ms", "s", "m", "h"]);
            return Err(syn::Error::new(
                span,
                format!("unknown duration unit `{other}`{hint}; {UNITS}"),
            ));
        }
    };
    let too_long = || {
        syn::Error::new(
            span,
            "this duration is too long: it does not fit in a `std::time::Duration`",
        )
    };
    let value: u64 = digits.parse().map_err(|_| too_long())?;
    let duration = match per_unit {
        (0, nanos) => {
            Duration::from_nanos(value.checked_mul(u64::from(nanos)).ok_or_else(too_long)?)
        }
        (secs, _) => Duration::from_secs(value.checked_mul(secs).ok_or_else(too_long)?),
    };
    Ok(duration)
}

/// Tokens that rebuild `d` as a `Duration` in generated code, through `krate`.
pub(crate) fn duration_tokens(d: Duration) -> proc_macro2::TokenStream {
    let secs = d.as_secs();
    let nanos = d.subsec_nanos();
    quote::quote!(::core::time::Duration::new(#secs, #nanos))
}

/// `5s`, `500ms`, for docs.
pub(crate) fn show_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        let s = d.as_secs();
        if s.is_multiple_of(3600) && s > 0 {
            format!("{}h", s / 3600)
        } else if s.is_multiple_of(60) && s > 0 {
            format!("{}m", s / 60)
        } else {
            format!("{s}s")
        }
    } else if d.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_nanos().is_multiple_of(1_000) {
        format!("{}us", d.as_micros())
    } else {
        format!("{}ns", d.as_nanos())
    }
}

/// A type as its user wrote it, for messages and docs: `Scripted<true>`, `a::B`.
pub(crate) fn type_name(ty: &impl ToTokens) -> String {
    let raw = ty.to_token_stream().to_string();
    raw.replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(upper_camel("web_server"), "WebServer");
        assert_eq!(upper_camel("http_2"), "Http2");
        assert_eq!(upper_camel("http2"), "Http2");
        assert_eq!(snake("App"), "app");
        assert_eq!(snake("WebServer"), "web_server");
        assert!(is_snake_case("db_2"));
        assert!(!is_snake_case("Db"));
        assert!(!is_snake_case("_db"));
        assert!(!is_snake_case("db_"));
    }

    #[test]
    fn suggestions() {
        let keys = ["strategy", "intensity", "restart", "shutdown"];
        assert_eq!(closest("stratgy", &keys), Some("strategy"));
        assert_eq!(closest("restrat", &keys), Some("restart"));
        assert_eq!(closest("colour", &keys), None);
        assert_eq!(
            closest("brutal_kill", &["brutal", "infinity"]),
            Some("brutal")
        );
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }

    #[test]
    fn durations() {
        let lit = |s: &str| syn::parse_str::<syn::Lit>(s).unwrap();
        assert_eq!(duration(&lit("5s")).unwrap(), Duration::from_secs(5));
        assert_eq!(duration(&lit("250ms")).unwrap(), Duration::from_millis(250));
        assert_eq!(duration(&lit("2m")).unwrap(), Duration::from_secs(120));
        assert!(duration(&lit("5")).is_err());
        assert!(duration(&lit("5x")).is_err());
        assert!(duration(&lit("1.5s")).is_err());
        assert!(duration(&lit("99999999999999999999s")).is_err());
        assert!(duration(&lit("18446744073709551615h")).is_err());
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(show_duration(Duration::from_secs(7200)), "2h");
    }
}
