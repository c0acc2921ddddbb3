//! `#[login_required]`: parse the arguments → parse the handler fn → validate → generate:
//! rewrite its parameters. The handler itself is the model; there is no other.
//!
//! The handler's extractors are moved into one `LoginRequired<(A, B, ..), FRESH>` extractor
//! that checks the login before extracting them. A guard added beside them would not do:
//! actix polls a handler's extractors together, so a failing `web::Json` could answer 400
//! before the login check answered 401, and would read an anonymous request's body. Each
//! parameter is bound again by its own `let`, which carries its attributes (issue #9: they were
//! dropped); a `#[cfg(..)]` cannot follow a type into the tuple, so see `generate`.
//!
//! Whatever is wrong, the handler is still emitted (rewritten whenever that is sound), so the
//! routes that register it type-check and the only error is the one that names the mistake.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::{Attribute, Expr, FnArg, Ident, Item, ItemFn, Path, Token, Type};

use crate::errors::Errors;
use crate::{args, crate_path, suggest, tokens};

mod params;
mod permissions;

use params::Param;

use permissions::{parse_permission_list, required_permissions};

/// actix-web implements `FromRequest` for tuples of up to 16 extractors.
const MAX_EXTRACTORS: usize = 16;

const ATTR: &str = "`#[login_required]`";
const ARGS: &[&str] = &["fresh", "permission", "permissions", "crate"];

#[derive(Default)]
struct Args {
    fresh: bool,
    /// `permission = a` and `permissions(b, c)`, in order: every one is required.
    permissions: Vec<Expr>,
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
    let handler = match parse_item(input) {
        Ok(handler) => handler,
        Err((input, error)) => {
            errors.push(error);
            let errors = errors.to_compile_errors();
            return quote!(#input #errors);
        }
    };
    let handler = match validate(&handler, &mut errors) {
        Emit::Rewritten => generate(&handler, &args, &mut errors),
        Emit::AsWritten => handler.into_token_stream(),
    };
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
        } else if meta.path.is_ident("permission") {
            // #[login_required(permission = Role::Admin)]
            if meta.input.peek(Token![=]) {
                parsed.permissions.push(meta.value()?.parse()?);
            } else {
                let value = args::take_value(meta.input)?;
                let example = if value.is_empty() {
                    "`permission = Role::Admin`".to_owned()
                } else {
                    "`permission = Role::Admin`, or `permissions(A, B)` for several".to_owned()
                };
                let path = &meta.path;
                errors.spanned(
                    quote!(#path #value),
                    format!("`permission` takes the permission a user needs; write {example}"),
                );
            }
        } else if meta.path.is_ident("permissions") {
            // #[login_required(permissions(Role::Admin, Role::Editor))]
            parse_permission_list(&meta, &mut parsed.permissions, errors)?;
        } else if meta.path.is_ident("crate") {
            // #[login_required(crate = "path::to::login_runtime")]
            crate_path::parse_crate_arg(&meta, &mut parsed.krate, errors)?;
        } else {
            let name = tokens::path_to_string(&meta.path);
            let takes = "its arguments are `fresh`, `permission = ..`, `permissions(..)` and \
                         `crate = \"..\"`";
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
/// thing in its body, each by a `let` that keeps the parameter's own attributes.
///
/// A `#[cfg(..)]` on a parameter cannot follow it into the guard's tuple type, so the handler
/// is emitted once per combination of its parameters' `cfg` conditions, each copy under the
/// `#[cfg(..)]` of its combination and guarding only the parameters it keeps; the compiler
/// keeps exactly one.
fn generate(handler: &ItemFn, args: &Args, errors: &mut Errors) -> TokenStream {
    let krate = crate_path::runtime_path(args.krate.as_ref());
    let (required, guard) = match required_permissions(handler, args, &krate) {
        Some((ident, item)) => (
            item,
            Guard {
                fresh: args.fresh,
                permissions: Some(ident),
            },
        ),
        None => (
            TokenStream::new(),
            Guard {
                fresh: args.fresh,
                permissions: None,
            },
        ),
    };
    let handlers = generate_handlers(handler, &krate, &guard, errors);
    quote!(#required #handlers)
}

/// What the rewritten handler's guard checks.
struct Guard {
    fresh: bool,
    /// The unit struct that names the required permissions, if any.
    permissions: Option<Ident>,
}

/// The rewritten handler: one, or one per combination of its parameters' `cfg` conditions.
fn generate_handlers(
    handler: &ItemFn,
    krate: &TokenStream,
    guard: &Guard,
    errors: &mut Errors,
) -> TokenStream {
    let params: Vec<Param<'_>> = handler
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(i, arg)| match arg {
            FnArg::Typed(typed) => Some(Param::new(i, typed)),
            FnArg::Receiver(_) => None,
        })
        .collect();
    // The distinct conditions, in order of appearance.
    let mut conditions: Vec<(String, &TokenStream)> = Vec::new();
    for param in &params {
        for cfg in &param.cfgs {
            let key = cfg.to_string();
            if conditions.iter().all(|(seen, _)| *seen != key) {
                conditions.push((key, cfg));
            }
        }
    }
    if conditions.len() > MAX_CFG_CONDITIONS {
        if let Some(param) = params.iter().find(|param| {
            param.cfgs.iter().any(|cfg| {
                let key = cfg.to_string();
                conditions[MAX_CFG_CONDITIONS..]
                    .iter()
                    .any(|(seen, _)| *seen == key)
            })
        }) {
            errors.spanned(
                param.typed,
                format!(
                    "{ATTR} handles at most {MAX_CFG_CONDITIONS} different `#[cfg(..)]` \
                     conditions on the parameters of one handler (it emits the handler once \
                     per combination), and `{}` has {}; put the parameters of one feature \
                     under the same condition, or group them in a tuple parameter",
                    handler.sig.ident,
                    conditions.len(),
                ),
            );
        }
        // Still emit one handler, with every parameter, so the routes type-check.
        return rewrite(handler, krate, guard, &params, None);
    }
    if conditions.is_empty() {
        return rewrite(handler, krate, guard, &params, None);
    }
    let variants = (0..1u32 << conditions.len()).map(|mask| {
        let holds = |cfg: &TokenStream| {
            let key = cfg.to_string();
            let i = conditions.iter().position(|(seen, _)| *seen == key);
            i.is_some_and(|i| mask & (1 << i) != 0)
        };
        let kept: Vec<Param<'_>> = params
            .iter()
            .filter(|param| param.cfgs.iter().all(holds))
            .cloned()
            .collect();
        let combination = conditions.iter().enumerate().map(|(i, (_, cfg))| {
            if mask & (1 << i) != 0 {
                quote!(#cfg)
            } else {
                quote!(not(#cfg))
            }
        });
        let cfg: Attribute = syn::parse_quote!(#[cfg(all(#(#combination),*))]);
        rewrite(handler, krate, guard, &kept, Some(cfg))
    });
    quote!(#(#variants)*)
}

/// The parameters' `cfg` conditions make 2^n copies of the handler; past this many, an error.
const MAX_CFG_CONDITIONS: usize = 4;

/// The handler with `params` moved into the guard (under `cfg`, when it is one of several
/// copies).
fn rewrite(
    handler: &ItemFn,
    krate: &TokenStream,
    guard_kind: &Guard,
    params: &[Param<'_>],
    cfg: Option<Attribute>,
) -> TokenStream {
    let mut handler = handler.clone();
    let guard = tokens::hygienic("__login_guard");
    let values: Vec<Ident> = params
        .iter()
        .map(|param| tokens::hygienic(&format!("__login_arg{}", param.index)))
        .collect();
    let tys: Vec<&Type> = params.iter().map(|param| &*param.typed.ty).collect();
    // Past the limit (already reported), nest the extractors in tuples of at most 16, so the
    // handler still registers and the limit is the only error.
    let (values_pat, tys) = if tys.len() > MAX_EXTRACTORS {
        let values_pat = values
            .chunks(MAX_EXTRACTORS)
            .map(|chunk| quote!((#(#chunk,)*)))
            .collect::<Vec<_>>();
        let tys = tys
            .chunks(MAX_EXTRACTORS)
            .map(|chunk| quote!((#(#chunk,)*)))
            .collect::<Vec<_>>();
        (values_pat, tys)
    } else {
        let values_pat = values.iter().map(ToTokens::to_token_stream).collect();
        let tys = tys.iter().map(ToTokens::to_token_stream).collect();
        (values_pat, tys)
    };
    let fresh = guard_kind.fresh;
    let permissions = guard_kind
        .permissions
        .as_ref()
        .map(|permissions| quote!(, #permissions));
    let guard_param: FnArg = syn::parse_quote! {
        #guard: #krate::__private::LoginRequired<(#(#tys,)*), #fresh #permissions>
    };
    let mut unpack: Vec<syn::Stmt> = vec![syn::parse_quote! {
        let (#(#values_pat,)*) = #krate::__private::LoginRequired::into_inner(#guard);
    }];
    for (param, value) in params.iter().zip(&values) {
        let attrs = &param.attrs;
        let pat = &param.typed.pat;
        unpack.push(syn::parse_quote! {
            #(#attrs)*
            let #pat = #value;
        });
    }
    handler.sig.inputs = std::iter::once(guard_param).collect();
    // A sync handler was reported; emitting it async lets its routes type-check meanwhile.
    handler
        .sig
        .asyncness
        .get_or_insert_with(|| syn::Token![async](handler.sig.fn_token.span));
    handler.block.stmts.splice(0..0, unpack);
    if let Some(cfg) = cfg {
        handler.attrs.insert(0, cfg);
    }
    handler.into_token_stream()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn expand(input: proc_macro2::TokenStream) -> String {
        super::expand(quote!(), input).to_string()
    }

    #[test]
    fn one_handler_per_combination_of_parameter_cfgs() {
        let out = expand(quote! {
            async fn page(#[cfg(feature = "a")] a: A, #[cfg(feature = "a")] a2: A2, #[cfg(b)] b: B, c: C) {}
        });
        // Two distinct conditions: four copies, each under the `cfg` of its combination.
        assert_eq!(out.matches("async fn page").count(), 4, "{out}");
        assert!(
            out.contains("cfg (all (feature = \"a\" , not (b)))"),
            "{out}"
        );
        assert!(
            out.contains("cfg (all (not (feature = \"a\") , not (b)))"),
            "{out}"
        );
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn lint_attributes_move_to_the_binding() {
        let out = expand(quote! {
            async fn page(#[allow(unused_variables)] a: A, #[cfg_attr(test, allow(dead_code), cfg(x))] b: B) {}
        });
        assert_eq!(out.matches("async fn page").count(), 2, "{out}");
        assert!(
            out.contains("# [allow (unused_variables)] let a ="),
            "{out}"
        );
        assert!(
            out.contains("# [cfg_attr (test , allow (dead_code))] let b ="),
            "{out}"
        );
        assert!(out.contains("any (not (test) , all (x))"), "{out}");
    }

    #[test]
    fn too_many_cfg_conditions_is_one_error() {
        let out = expand(quote! {
            async fn page(#[cfg(a)] a: A, #[cfg(b)] b: B, #[cfg(c)] c: C, #[cfg(d)] d: D, #[cfg(e)] e: E) {}
        });
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert_eq!(out.matches("async fn page").count(), 1, "{out}");
    }
}
