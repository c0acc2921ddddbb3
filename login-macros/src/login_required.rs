//! `#[login_required]`: parse the arguments → parse the handler fn → validate → generate:
//! rewrite its parameters. The handler itself is the model; there is no other.
//!
//! The handler's extractors are moved into one `LoginRequired<(A, B, ..), FRESH>` extractor
//! that checks the login before extracting them. A guard added beside them would not do:
//! actix polls a handler's extractors together, so a failing `web::Json` could answer 400
//! before the login check answered 401, and would read an anonymous request's body.
//!
//! Whatever is wrong, the handler is still emitted (rewritten whenever that is sound), so the
//! routes that register it type-check and the only error is the one that names the mistake.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::{FnArg, Item, ItemFn, Path};

use crate::errors::Errors;
use crate::{args, crate_path, suggest, tokens};

/// actix-web implements `FromRequest` for tuples of up to 16 extractors.
const MAX_EXTRACTORS: usize = 16;

const ATTR: &str = "`#[login_required]`";
const ARGS: &[&str] = &["fresh", "crate"];

#[derive(Default)]
struct Args {
    fresh: bool,
    krate: Option<Path>,
}

/// What validation leaves possible.
#[derive(PartialEq)]
enum Emit {
    /// Rewrite the handler (made `async` if it was not): what the user meant.
    Rewritten,
    /// Emit the handler as written: it cannot be a guarded handler (a `self` receiver), or a
    /// second `#[login_required]` below this one will rewrite it.
    AsWritten,
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse_args(args, &mut errors);
    let mut handler = match parse_item(input) {
        Ok(handler) => handler,
        Err((input, error)) => {
            errors.push(error);
            let errors = errors.to_compile_errors();
            return quote!(#input #errors);
        }
    };
    if validate(&handler, &mut errors) == Emit::Rewritten {
        generate(&mut handler, &args);
    }
    let errors = errors.to_compile_errors();
    quote!(#handler #errors)
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> Args {
    let mut parsed = Args::default();
    let mut fresh_seen = false;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("fresh") {
            // #[login_required(fresh)]
            if args::reject_value(&meta, "#[login_required(fresh)]", errors)? {
                return Ok(());
            }
            if fresh_seen {
                errors.push(meta.error("duplicate argument `fresh`; remove this one"));
            }
            fresh_seen = true;
            parsed.fresh = true;
        } else if meta.path.is_ident("crate") {
            // #[login_required(crate = "path::to::login_runtime")]
            crate_path::parse_crate_arg(&meta, &mut parsed.krate, errors)?;
        } else {
            let name = tokens::path_to_string(&meta.path);
            let takes = "its arguments are `fresh` and `crate = \"..\"`";
            errors.push(meta.error(suggest::unknown_argument(ATTR, &name, ARGS, takes)));
            args::take_value(meta.input)?;
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    parsed
}

/// The handler, or the input unchanged with the error that says where the attribute goes.
fn parse_item(input: TokenStream) -> Result<ItemFn, (TokenStream, syn::Error)> {
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Fn(handler)) => return Ok(handler),
        Ok(item) => item,
        Err(_) => {
            let message = format!("{ATTR} goes on an `async fn` handler");
            return Err((
                input,
                syn::Error::new(proc_macro2::Span::call_site(), message),
            ));
        }
    };
    if let Item::Impl(syn::ItemImpl {
        impl_token,
        self_ty,
        ..
    }) = &item
    {
        let error = syn::Error::new_spanned(
            quote!(#impl_token #self_ty),
            format!(
                "{ATTR} goes on each `async fn` handler, not on an `impl` block; move it onto \
                 the handlers inside"
            ),
        );
        return Err((input, error));
    }
    let (head, what) = tokens::item_head(&item);
    let message = format!(
        "{ATTR} goes on an `async fn` handler, not on {what}; to guard every route of a scope, \
         wrap it: `web::scope(\"/admin\").wrap(RequireLogin::new())`"
    );
    Err((input, syn::Error::new_spanned(head, message)))
}

fn validate(handler: &ItemFn, errors: &mut Errors) -> Emit {
    let sig = &handler.sig;
    let mut emit = Emit::Rewritten;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            format!(
                "{ATTR} needs an `async fn` handler; write `async fn {}`",
                sig.ident
            ),
        );
    }
    if let Some(receiver) = sig.receiver() {
        errors.spanned(
            receiver,
            format!(
                "{ATTR} cannot guard a method that takes `self`: actix-web calls handlers \
                 without a receiver; remove `{}` and take shared state as `web::Data<T>`",
                tokens::tokens_to_string(receiver)
            ),
        );
        emit = Emit::AsWritten;
    }
    for attr in &handler.attrs {
        let path = attr.path();
        if path
            .segments
            .last()
            .is_some_and(|last| last.ident == "login_required")
        {
            errors.spanned(
                attr,
                format!(
                    "{ATTR} is applied twice to `{}`; remove this one (`#[login_required(fresh)]` \
                     alone also requires a login)",
                    sig.ident
                ),
            );
            // The one below still expands, and guards the handler once.
            emit = Emit::AsWritten;
        }
    }
    if let Some(extra) = sig.inputs.iter().nth(MAX_EXTRACTORS) {
        errors.spanned(
            extra,
            format!(
                "`{}` has {} extractors, and an actix-web handler takes at most \
                 {MAX_EXTRACTORS}; group some in a tuple, like `(a, b): (web::Query<A>, \
                 web::Json<B>)`, or in a struct that implements `FromRequest`",
                sig.ident,
                sig.inputs.len(),
            ),
        );
    }
    emit
}

/// Moves the handler's parameters into one `LoginRequired` guard extractor, unpacked first
/// thing in its body.
fn generate(handler: &mut ItemFn, args: &Args) {
    let krate = crate_path::runtime_path(args.krate.as_ref());
    let guard = tokens::hygienic("__login_guard");
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
    // Past the limit (already reported), nest the extractors in tuples of at most 16, so the
    // handler still registers and the limit is the only error.
    let (pats, tys) = if tys.len() > MAX_EXTRACTORS {
        let pats = pats
            .chunks(MAX_EXTRACTORS)
            .map(|chunk| quote!((#(#chunk,)*)));
        let tys = tys
            .chunks(MAX_EXTRACTORS)
            .map(|chunk| quote!((#(#chunk,)*)));
        (pats.collect(), tys.collect())
    } else {
        let pats = pats.iter().map(ToTokens::to_token_stream);
        let tys = tys.iter().map(ToTokens::to_token_stream);
        (pats.collect::<Vec<_>>(), tys.collect::<Vec<_>>())
    };
    let guard_param: FnArg = syn::parse_quote! {
        #guard: #krate::__private::LoginRequired<(#(#tys,)*), #fresh>
    };
    let unpack: syn::Stmt = syn::parse_quote! {
        let (#(#pats,)*) = #krate::__private::LoginRequired::into_inner(#guard);
    };
    handler.sig.inputs = std::iter::once(guard_param).collect();
    // A sync handler was reported; emitting it async lets its routes type-check meanwhile.
    handler
        .sig
        .asyncness
        .get_or_insert_with(|| syn::Token![async](handler.sig.fn_token.span));
    handler.block.stmts.insert(0, unpack);
}
