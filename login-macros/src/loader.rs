//! What `#[user_loader]` and `#[request_loader]` share: the whole expansion, run here for
//! either macro, with a [`Kind`] that supplies what differs (the names, the checks of the
//! parameters, and the trait method that calls the fn).
//!
//! The stages: parse the arguments → parse the fn → lift it into a [`Loader`] → validate →
//! generate `impl Trait for User`, whose loading method extracts the parameters, calls the fn
//! and converts what it returns. The fn itself is emitted unchanged.
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
use syn::{FnArg, GenericArgument, Ident, ItemFn, Path, PathArguments, ReturnType, Type};

use crate::errors::Errors;
use crate::{args, crate_path, suggest, tokens};

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
    /// The parameters' types, in order.
    pub(crate) params: Vec<&'a Type>,
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
    errors.append(arg_errors);
    let errors = errors.to_compile_errors();
    quote!(#func #generated #errors)
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
            FnArg::Typed(arg) => params.push(&*arg.ty),
        }
    }
    let output = classify(&sig.output);
    let user_guess = match &output {
        Ok(output) => Some(output.user),
        Err(guess) => guess.filter(|ty| can_stub(ty)),
    };
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
    const STD: &[&str] = &[
        "String", "Vec", "Box", "Rc", "Arc", "Cow", "HashMap", "BTreeMap", "Self",
    ];
    last_segment(ty).is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_uppercase()) && !STD.contains(&name.as_str())
    })
}

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

/// Checks the fn's shape, then what `kind` asks of its parameters.
fn validate(kind: &Kind, loader: &Loader<'_>, errors: &mut Errors) {
    let sig = &loader.func.sig;
    let name = &sig.ident;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            format!(
                "{} must be an `async fn`; write `async fn {name}`",
                kind.noun
            ),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            format!(
                "{} cannot be generic: it is called for one user type; name the concrete types",
                kind.noun
            ),
        );
    }
    for arg in &sig.inputs {
        if let FnArg::Receiver(receiver) = arg {
            errors.spanned(
                receiver,
                format!(
                    "{} cannot take `{}`: the login manager calls it without a \
                     receiver; make `{name}` a free `async fn` and take shared state as \
                     `web::Data<T>`",
                    kind.noun,
                    tokens::tokens_to_string(receiver),
                ),
            );
        }
    }
    if let Err(guess) = loader.output {
        report_output(kind, sig, guess, errors);
    }
    (kind.validate)(loader, errors);
}

fn report_output(kind: &Kind, sig: &syn::Signature, guess: Option<&Type>, errors: &mut Errors) {
    let user = guess.map_or_else(|| "User".to_owned(), tokens::tokens_to_string);
    let expected = "`Option<User>` or `Result<Option<User>, E>`";
    match &sig.output {
        ReturnType::Default => errors.push(syn::Error::new(
            sig.paren_token.span.close(),
            format!(
                "{} returns {expected}; add `-> Option<User>` after the parameters",
                kind.noun
            ),
        )),
        ReturnType::Type(_, ty) => {
            let instead = match last_segment(ty) {
                Some((name, args)) if name == "Result" && !args.is_empty() => {
                    let error = args.get(1).map_or_else(String::new, |error| {
                        format!(", {}", tokens::tokens_to_string(error))
                    });
                    format!("Result<Option<{user}>{error}>")
                }
                _ => format!("Option<{user}>"),
            };
            errors.spanned(
                ty,
                format!(
                    "{} returns {expected}, where `None` means no such user; write `-> {instead}`",
                    kind.noun
                ),
            );
        }
    }
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

// Pieces of the loading methods, for the two macros' `generate` and `stub`.

/// The statements that extract `params` from `req`, and the names they bind.
///
/// Each goes through `__private::<extract_fn>::<T>`, whose bound is the check: a type that is
/// not an extractor is reported on that type, with the loader's own message, and nothing else
/// fails with it.
pub(crate) fn extract_params(
    kind: &Kind,
    krate: &TokenStream,
    req: &Ident,
    params: &[&Type],
) -> (TokenStream, Vec<Ident>) {
    let extract_fn = Ident::new(kind.extract_fn, Span::call_site());
    let values: Vec<Ident> = (0..params.len())
        .map(|i| tokens::hygienic(&format!("__login_arg{i}")))
        .collect();
    let statements = params.iter().zip(&values).map(|(ty, value)| {
        quote! {
            let #value = match #krate::__private::#extract_fn::<#ty>(&#req).await {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(error) => {
                    return ::core::result::Result::Err(error);
                }
            };
        }
    });
    (quote!(#(#statements)*), values)
}

/// Awaits `call` and turns what the loader returned into `Result<Option<U>, actix_web::Error>`.
pub(crate) fn convert_output(
    krate: &TokenStream,
    output: &Output<'_>,
    call: TokenStream,
) -> TokenStream {
    match output.error {
        LoaderError::None => quote!(::core::result::Result::Ok(#call)),
        // The error type is the turbofish argument, so an `E` that does not convert into
        // `actix_web::Error` is reported on the user's `E`.
        LoaderError::Named(error) => {
            quote!(#krate::__private::loader_result::<_, #error>(#call))
        }
        LoaderError::Alias(ty) => {
            let infer = quote_spanned!(ty.span()=> _);
            quote!(#krate::__private::loader_result::<_, #infer>(#call))
        }
    }
}

/// The return type of the trait's loading method.
pub(crate) fn future_type(krate: &TokenStream) -> TokenStream {
    quote! {
        impl ::core::future::Future<
            Output = ::core::result::Result<
                ::core::option::Option<Self>,
                #krate::__private::actix_web::Error,
            >,
        > + 'static
    }
}

/// The body of a stub loading method: compiled only beside an error, so it is never run.
pub(crate) fn stub_body() -> TokenStream {
    quote! {
        ::core::future::ready(::core::result::Result::Ok(::core::option::Option::None))
    }
}
