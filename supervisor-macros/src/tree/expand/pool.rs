//! Pools: the `ChildSpec::pool(PoolSpec::workers(…)…)` of each, and the typed key
//! (`App::CONNS: PoolKey<AppChild, Conn>`) generated on the supervisor type that declares it.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::super::model::{Child, Partitions, PoolChild, Sup};
use crate::names::{duration_tokens, upper_camel};

/// The name of a pool's key on its supervisor type: `conns` → `CONNS`.
pub(crate) fn key_name(pool: &Ident) -> String {
    pool.to_string().to_ascii_uppercase()
}

/// The `ChildSpec` expression of a pool: plain builder calls, as a hand-built tree writes them.
pub(crate) fn pool_spec(krate: &TokenStream, pool: &PoolChild) -> TokenStream {
    let name = pool.name.to_string();
    let ty = &pool.ty;
    // The instances' type is given to `ChildSpec::pool` and inferred by `PoolSpec::workers`,
    // whose `W: Worker` bound is then reported at the call, spanned here at the user's type:
    // "`X` is not a supervisor worker" at `X`, once (`PoolSpec::<X>::workers` would say
    // that `workers` exists but its bounds are not satisfied, at the macro).
    let span = ty.span();
    let alias = format_ident!("__SupervisorPoolSpec", span = span);
    let workers = quote_spanned!(span=> #alias::workers(#name));
    let max_children = pool.max_children.map(|(max, span)| {
        let mut max = Literal::u64_unsuffixed(max);
        max.set_span(span);
        quote!(.max_children(#max))
    });
    let intensity = pool.intensity.as_ref().map(|i| {
        let max = i.max_restarts;
        let period = duration_tokens(i.period);
        quote!(.intensity(#max, #period))
    });
    let instances =
        super::restart_and_shutdown(krate, pool.instances.restart, pool.instances.shutdown);
    let backoff = pool.instances.backoff.map(|b| {
        let b = super::backoff_tokens(krate, b);
        quote!(.backoff(#b))
    });
    let heartbeat = pool.instances.heartbeat.map(|d| {
        let d = duration_tokens(d);
        quote!(.heartbeat(#d))
    });
    let start_timeout = pool.instances.start_timeout.map(|d| {
        let d = duration_tokens(d);
        quote!(.start_timeout(#d))
    });
    let partitions = pool.partitions.map(|(p, span)| match p {
        Partitions::Fixed(n) => {
            let mut n = Literal::u64_unsuffixed(n);
            n.set_span(span);
            quote!(.partitions(#krate::Partitions::Fixed(#n)))
        }
        Partitions::PerThread => quote!(.partitions(#krate::Partitions::PerThread)),
    });
    let spec = quote! {
        {
            use #krate::PoolSpec as #alias;
            #krate::ChildSpec::pool::<#ty>(
                #workers #max_children #intensity #instances #backoff #heartbeat
                #start_timeout #partitions
            )
        }
    };
    super::with_options(krate, spec, &pool.opts)
}

/// The typed keys of the pools `sup` declares, as associated consts of its type. `enum_path`
/// leads from the root's child enum to `sup`'s: `[(AppChild, Web)]` for `app/web`.
pub(crate) fn pool_keys(
    krate: &TokenStream,
    sup: &Sup,
    path: &str,
    enum_path: &[(Ident, Ident)],
    module: &Ident,
) -> TokenStream {
    let vis = &sup.vis;
    let sup_ty = &sup.ty;
    let own_enum = super::enums::enum_name(sup);
    let root_enum = enum_path
        .first()
        .map(|(e, _)| e.clone())
        .unwrap_or_else(|| own_enum.clone());
    let keys = sup.children.iter().filter_map(|child| {
        let Child::Pool(pool) = child else {
            return None;
        };
        let ty = &pool.ty;
        let variant = format_ident!(
            "{}",
            upper_camel(&pool.name.to_string()),
            span = pool.name.span()
        );
        let mut key = quote!(#module::#own_enum::#variant);
        for (enum_name, variant) in enum_path.iter().rev() {
            key = quote!(#module::#enum_name::#variant(#key));
        }
        let name = key_name(&pool.name);
        let konst = format_ident!("{}", name, span = pool.name.span());
        let doc = format!(
            "The key of the pool `{path}/{}`: `tree.pool({sup_ty}::{name}).await?` (or `ctx.pool(…)` in a worker of the tree) gives the handle that starts its instances, each from a `{}`.",
            pool.name,
            crate::names::type_name(ty),
        );
        Some(quote! {
            #[doc = #doc]
            #vis const #konst: #krate::PoolKey<#module::#root_enum, #ty> = #krate::PoolKey::new(#key);
        })
    });
    quote!(#(#keys)*)
}
