//! The handler's parameters as the rewrite needs them: their `cfg` conditions apart from their
//! other attributes.

use proc_macro2::TokenStream;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, PatType, Token};

/// A parameter of the handler, its attributes sorted into `cfg` conditions and the rest.
#[derive(Clone)]
pub(super) struct Param<'a> {
    pub(super) typed: &'a PatType,
    /// Where it was in the signature, for the name of its value in the guard.
    pub(super) index: usize,
    /// Its `#[cfg(..)]` conditions (and those a `#[cfg_attr(..)]` adds): kept only if all hold.
    pub(super) cfgs: Vec<TokenStream>,
    /// Its other attributes (lint levels), for the `let` that binds it.
    pub(super) attrs: Vec<Attribute>,
}

impl<'a> Param<'a> {
    pub(super) fn new(index: usize, typed: &'a PatType) -> Self {
        let mut cfgs = Vec::new();
        let mut attrs = Vec::new();
        for attr in &typed.attrs {
            if attr.path().is_ident("cfg") {
                if let Meta::List(list) = &attr.meta {
                    cfgs.push(list.tokens.clone());
                    continue;
                }
            } else if attr.path().is_ident("cfg_attr")
                && let Some((condition, cfg, rest)) = split_cfg_attr(attr)
            {
                // `#[cfg_attr(a, cfg(b), allow(..))]`: kept when `a` implies `b`; the rest
                // stays a `cfg_attr` on the `let`.
                if let Some(cfg) = cfg {
                    cfgs.push(quote!(any(not(#condition), all(#cfg))));
                }
                if !rest.is_empty() {
                    attrs.push(syn::parse_quote!(#[cfg_attr(#condition, #(#rest),*)]));
                }
                continue;
            }
            attrs.push(attr.clone());
        }
        Self {
            typed,
            index,
            cfgs,
            attrs,
        }
    }
}

/// `cfg_attr(condition, attrs..)` split into its condition, the conditions of any `cfg(..)`
/// among its attributes (joined with `all`), and the other attributes.
fn split_cfg_attr(attr: &Attribute) -> Option<(Meta, Option<TokenStream>, Vec<Meta>)> {
    let metas = attr
        .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        .ok()?;
    let mut metas = metas.into_iter();
    let condition = metas.next()?;
    let (cfgs, rest): (Vec<Meta>, Vec<Meta>) = metas.partition(|meta| meta.path().is_ident("cfg"));
    let cfgs: Vec<TokenStream> = cfgs
        .into_iter()
        .filter_map(|meta| match meta {
            Meta::List(list) => Some(list.tokens),
            _ => None,
        })
        .collect();
    let cfg = (!cfgs.is_empty()).then(|| quote!(#(#cfgs),*));
    Some((condition, cfg, rest))
}
