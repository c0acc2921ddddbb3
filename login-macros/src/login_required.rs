//! `#[login_required]`: parse arguments → validate the handler → rewrite its parameters.
//!
//! The handler's extractors are moved into one `LoginRequired<(A, B, ..), FRESH>` extractor
//! that checks the login before extracting them. A guard added beside them would not do:
//! actix polls a handler's extractors together, so a failing `web::Json` could answer 400
//! before the login check answered 401, and would read an anonymous request's body.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::{FnArg, ItemFn, Path};

use crate::common::{self, Errors};

/// actix-web implements `FromRequest` for tuples of up to 16 extractors.
const MAX_EXTRACTORS: usize = 16;

#[derive(Default)]
struct Args {
    fresh: bool,
    krate: Option<Path>,
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse_args(args, &mut errors);
    let Ok(mut handler) = syn::parse2::<ItemFn>(input.clone()) else {
        let error = syn::Error::new(
            Span::call_site(),
            "`#[login_required]` goes on an `async fn` handler; to guard every route of a scope, \
             wrap the scope with a login check instead",
        );
        errors.push(error);
        return quote!(#input)
            .into_iter()
            .chain(errors.to_compile_errors())
            .collect();
    };
    validate(&handler, &mut errors);
    if !errors.is_empty() {
        // Still emit the handler untouched, so the rest of the crate type-checks and IDEs work.
        let errors = errors.to_compile_errors();
        return quote!(#handler #errors);
    }
    rewrite(&mut handler, &args);
    quote!(#handler)
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> Args {
    let mut parsed = Args::default();
    let mut fresh_seen = false;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("fresh") {
            // #[login_required(fresh)]
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                errors.push(meta.error("`fresh` takes no value; write `#[login_required(fresh)]`"));
                return common::skip_value(meta.input);
            }
            if fresh_seen {
                errors.push(meta.error("duplicate argument `fresh`; remove this one"));
            }
            fresh_seen = true;
            parsed.fresh = true;
        } else if meta.path.is_ident("crate") {
            // #[login_required(crate = "path::to::login_runtime")]
            if parsed.krate.is_some() {
                errors.push(meta.error("duplicate argument `crate`; remove this one"));
            }
            parsed.krate = Some(common::parse_crate_path(meta.value()?)?);
        } else {
            let name = common::path_to_string(&meta.path);
            errors.push(meta.error(common::unknown_argument(
                "`#[login_required]`",
                &name,
                &["fresh", "crate"],
            )));
            return common::skip_value(meta.input);
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    parsed
}

fn validate(handler: &ItemFn, errors: &mut Errors) {
    let sig = &handler.sig;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            format!(
                "`#[login_required]` needs an `async fn`; write `async fn {}(..)`",
                sig.ident
            ),
        ));
    }
    if let Some(receiver) = sig.receiver() {
        errors.push(syn::Error::new_spanned(
            receiver,
            "`#[login_required]` cannot guard a method that takes `self`; actix handlers are \
             free fns or associated fns without a receiver",
        ));
    }
    for attr in &handler.attrs {
        if attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "login_required")
        {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[login_required]` is applied twice to this handler; remove this one \
                 (`#[login_required(fresh)]` already implies a login)",
            ));
        }
    }
    if let Some(extra) = sig.inputs.iter().nth(MAX_EXTRACTORS) {
        errors.push(syn::Error::new_spanned(
            extra,
            format!(
                "an actix-web handler takes at most {MAX_EXTRACTORS} extractors; group some of \
                 them in a tuple or in a struct that implements `FromRequest`"
            ),
        ));
    }
}

fn rewrite(handler: &mut ItemFn, args: &Args) {
    let krate = common::runtime_path(args.krate.as_ref());
    let guard = common::hygienic("__login_guard");
    let fresh = args.fresh;
    let (pats, tys): (Vec<_>, Vec<_>) = handler
        .sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(typed) => Some((&*typed.pat, &*typed.ty)),
            FnArg::Receiver(_) => None,
        })
        .unzip();
    let guard_param: FnArg = syn::parse_quote! {
        #guard: #krate::__private::LoginRequired<(#(#tys,)*), #fresh>
    };
    let unpack: syn::Stmt = syn::parse_quote! {
        let (#(#pats,)*) = #krate::__private::LoginRequired::into_inner(#guard);
    };
    handler.sig.inputs = std::iter::once(guard_param).collect();
    handler.block.stmts.insert(0, unpack);
}
