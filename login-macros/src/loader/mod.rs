//! What `#[user_loader]` and `#[request_loader]` share: the whole expansion, run here for
//! either macro, with a [`Kind`] that supplies what differs (the names, the checks of the
//! parameters, and the trait method that calls the fn).
//!
//! The stages: parse the arguments → parse the fn → lift it into a [`Loader`] → validate →
//! generate `impl Trait for User`, whose loading method extracts the parameters, calls the fn
//! and converts what it returns. The fn itself is emitted unchanged. The validate stage is in
//! `validate.rs`; the pieces of the loading method are in `body.rs`.
//!
//! A mistake the macro sees is reported beside the fn as written plus a stub impl of the trait,
//! so `LoginManager::<User>` elsewhere does not pile up "no user loader" errors. A mistake only
//! the type checker sees (an id that is not `FromStr`, a parameter that is not an extractor, a
//! user type that is not `UserMixin`) lands on the user's type through a hidden check in
//! `login_runtime::__private`, whose `#[diagnostic::on_unimplemented]` says the fix.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, PatType, Path, PathArguments, ReturnType, Type};

use crate::errors::Errors;
use crate::{args, crate_path, suggest, tokens};

mod body;
mod validate;

pub(crate) use body::{convert_output, extract_params, future_type, stub_body};
use validate::{owned_user, validate};
pub(crate) use validate::{param_to_string, validate_extractors};

/// One loader macro: how it is named in messages, and the stages that differ between the two.
pub(crate) struct Kind {
    /// `#[user_loader]`, in backticks.
    pub(crate) attr: &'static str,
    /// "a user loader".
    pub(crate) noun: &'static str,
    /// The trait the generated impl implements.
    pub(crate) trait_name: &'static str,
    /// The `__private` fn that extracts a parameter and checks it is an extractor.
    pub(crate) extract_fn: &'static str,
    /// The checks of the fn's parameters that only this macro makes.
    pub(crate) validate: fn(&Loader<'_>, &mut Errors),
    /// The trait's loading method, which calls the fn; `None` when the fn lacks what it
    /// needs (already reported), and the stub is emitted instead.
    pub(crate) generate: fn(&Loader<'_>, &Output<'_>, &TokenStream) -> Option<TokenStream>,
    /// The loading method of the stub impl emitted beside an error.
    pub(crate) stub: fn(&TokenStream) -> TokenStream,
}

/// The loader fn as the generated impl needs it.
pub(crate) struct Loader<'a> {
    pub(crate) func: &'a ItemFn,
    /// The typed parameters (all but `self`), in order.
    pub(crate) params: Vec<&'a PatType>,
    /// What it returns when that is `Option<U>` or `Result<Option<U>, E>`; otherwise the user
    /// type it seems to mean, if any, for the message.
    output: Result<Output<'a>, Option<&'a Type>>,
    /// The user type as far as it can be told, for the stub impl emitted beside an error.
    pub(crate) user_guess: Option<&'a Type>,
    /// It takes `self`, so it sits in an `impl` block, where no impl can be emitted beside it.
    pub(crate) in_impl: bool,
}

pub(crate) struct Output<'a> {
    pub(crate) user: &'a Type,
    error: LoaderError<'a>,
}

enum LoaderError<'a> {
    /// `Option<U>`.
    None,
    /// `Result<Option<U>, E>`.
    Named(&'a Type),
    /// `Result<Option<U>>` through an alias such as `io::Result`: `E` is not written.
    Alias(&'a Type),
}

/// Expands `#[user_loader]` or `#[request_loader]`, as `kind` says.
pub(crate) fn expand(kind: &Kind, args: TokenStream, input: TokenStream) -> TokenStream {
    // Bad arguments are reported, but do not stop the real impl from being generated.
    let mut arg_errors = Errors::default();
    let krate = parse_args(kind, args, &mut arg_errors);
    let krate = crate_path::runtime_path(krate.as_ref());
    let func = match parse_item(kind, input) {
        Ok(func) => func,
        Err(fallback) => return fallback,
    };
    let mut errors = Errors::default();
    let loader = parse(&func);
    validate(kind, &loader, &mut errors);
    let generated = generate(kind, &loader, &krate, errors.is_empty());
    let borrowed_user = matches!(&loader.output,
        Ok(output) if matches!(output.user, Type::Reference(r) if r.lifetime.is_none()));
    errors.append(arg_errors);
    let errors = errors.to_compile_errors();
    if borrowed_user {
        // `Option<&User>`, already reported: rustc would add "missing lifetime specifier" on
        // the fn as written, so it is emitted returning `Option<&'static User>`.
        let mut func = func.clone();
        static_user_ref(&mut func.sig.output);
        return quote!(#func #generated #errors);
    }
    quote!(#func #generated #errors)
}

/// Gives the user reference in `Option<&User>` / `Result<Option<&User>, E>` the lifetime
/// `'static`.
fn static_user_ref(output: &mut ReturnType) {
    fn type_args(ty: &mut Type) -> Vec<&mut Type> {
        let Type::Path(path) = ty else {
            return Vec::new();
        };
        let Some(segment) = path.path.segments.last_mut() else {
            return Vec::new();
        };
        let PathArguments::AngleBracketed(args) = &mut segment.arguments else {
            return Vec::new();
        };
        args.args
            .iter_mut()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect()
    }
    let ReturnType::Type(_, ty) = output else {
        return;
    };
    let is_result = matches!(last_segment(ty), Some((name, _)) if name == "Result");
    // `Option`'s argument, or `Result`'s first argument's.
    let first = type_args(ty).into_iter().next();
    let user = if is_result {
        first.and_then(|ok| type_args(ok).into_iter().next())
    } else {
        first
    };
    if let Some(Type::Reference(reference)) = user {
        reference.lifetime = Some(syn::Lifetime::new("'static", reference.and_token.span));
    }
}

/// Parses `crate = "path"`, the only argument a loader takes.
fn parse_args(kind: &Kind, args: TokenStream, errors: &mut Errors) -> Option<Path> {
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            // #[user_loader(crate = "path::to::login_runtime")]
            crate_path::parse_crate_arg(&meta, &mut krate, errors)
        } else {
            let name = tokens::path_to_string(&meta.path);
            let takes = "its only argument is `crate = \"..\"`, for a renamed login-runtime";
            let message = suggest::unknown_argument(kind.attr, &name, &["crate"], takes);
            errors.push(meta.error(message));
            args::take_value(meta.input).map(drop)
        }
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    krate
}

/// The fn, or the input unchanged with the error that says where the attribute goes.
fn parse_item(kind: &Kind, input: TokenStream) -> Result<ItemFn, TokenStream> {
    let (head, what) = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Fn(func)) => return Ok(func),
        Ok(item) => tokens::item_head(&item),
        Err(_) => (quote!(), "this item"),
    };
    let message = format!(
        "{} goes on an `async fn` that returns `Option<User>`, not on {what}",
        kind.attr
    );
    let error = if head.is_empty() {
        syn::Error::new(Span::call_site(), message)
    } else {
        syn::Error::new_spanned(head, message)
    };
    let error = error.to_compile_error();
    Err(quote!(#input #error))
}

/// Finds the fn's parameters and user type.
fn parse(func: &ItemFn) -> Loader<'_> {
    let sig = &func.sig;
    let mut params = Vec::new();
    let mut in_impl = false;
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(_) => in_impl = true,
            FnArg::Typed(arg) => params.push(arg),
        }
    }
    let output = classify(&sig.output);
    let user_guess = match &output {
        Ok(output) => Some(owned_user(output.user)),
        Err(guess) => *guess,
    }
    .filter(|ty| can_stub(ty));
    Loader {
        func,
        params,
        output,
        user_guess,
        in_impl,
    }
}

/// `Option<U>` / `Result<Option<U>, E>`, or else the user type the fn seems to mean.
fn classify(output: &ReturnType) -> Result<Output<'_>, Option<&Type>> {
    let ReturnType::Type(_, ty) = output else {
        return Err(None);
    };
    let Some((name, args)) = last_segment(ty) else {
        return Err(None);
    };
    match (name.as_str(), args.as_slice()) {
        ("Option", [user]) => Ok(Output {
            user,
            error: LoaderError::None,
        }),
        ("Result", [inner, rest @ ..]) if rest.len() <= 1 => match last_segment(inner) {
            Some((name, args)) if name == "Option" && args.len() == 1 => Ok(Output {
                user: args[0],
                error: match rest {
                    [error] => LoaderError::Named(error),
                    _ => LoaderError::Alias(ty),
                },
            }),
            _ => Err(Some(inner)),
        },
        ("Option" | "Result", _) => Err(None),
        _ => Err(Some(ty)),
    }
}

/// Whether a stub `impl Trait for ty` would compile: a local-looking named type, not a std one
/// (which would add an orphan-rule error to the real one).
fn can_stub(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_uppercase()) && !STD.contains(&name.as_str())
    })
}

/// Std types that are never a user type, and pointers to one; what `can_stub` refuses.
const STD: &[&str] = &[
    "String", "Vec", "Box", "Rc", "Arc", "Cow", "HashMap", "BTreeMap", "HashSet", "BTreeSet",
    "Option", "Result", "Self",
];

/// The last path segment's name and type arguments.
fn last_segment(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    let args = match &segment.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((segment.ident.to_string(), args))
}

/// The impl that calls the fn when it is valid; else, beside the error, a stub impl for the
/// user type as far as it can be told, so `LoginManager::<User>` elsewhere still type-checks
/// and the error is the only one.
fn generate(kind: &Kind, loader: &Loader<'_>, krate: &TokenStream, valid: bool) -> TokenStream {
    let real = match &loader.output {
        Ok(output) if valid => (kind.generate)(loader, output, krate)
            .map(|items| impl_trait(kind, krate, output.user, items)),
        _ => None,
    };
    let generated = real
        .or_else(|| {
            let user = loader.user_guess?;
            Some(impl_trait(kind, krate, user, (kind.stub)(krate)))
        })
        .unwrap_or_default();
    place(loader, generated)
}

/// `impl Trait for User { items }`. The header is spanned at the user's type, so a type that
/// is not `UserMixin`, or a second loader for it, is reported there.
fn impl_trait(kind: &Kind, krate: &TokenStream, user: &Type, items: TokenStream) -> TokenStream {
    let trait_name = format_ident!("{}", kind.trait_name);
    // All of the impl's own tokens, braces and attribute included: rustc reports an impl at
    // the span from its first token to its last.
    quote_spanned! {user.span()=>
        #[automatically_derived]
        impl #krate::#trait_name for #user {
            #items
        }
    }
}

/// Puts the generated impl where it can go. Beside a fn that takes `self`, the macro sits in
/// an `impl` or `trait` block, where an `impl` item is not allowed but a named associated const
/// may hold one in its body; the stub then still keeps uses of the user type from cascading.
fn place(loader: &Loader<'_>, generated: TokenStream) -> TokenStream {
    if !loader.in_impl || generated.is_empty() {
        return generated;
    }
    let name = format_ident!(
        "__LOGIN_LOADER_{}",
        loader.func.sig.ident,
        span = Span::mixed_site()
    );
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const #name: () = {
            #generated
        };
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn an_elided_user_reference_becomes_static() {
        let mut output: ReturnType = parse_quote!(-> Result<Option<&User>, E>);
        static_user_ref(&mut output);
        let expected: ReturnType = parse_quote!(-> Result<Option<&'static User>, E>);
        assert_eq!(output, expected);
        let mut output: ReturnType = parse_quote!(-> Option<&User>);
        static_user_ref(&mut output);
        let expected: ReturnType = parse_quote!(-> Option<&'static User>);
        assert_eq!(output, expected);
    }
}
