//! Pieces of the loading methods, for the two macros' `generate` and `stub`: extracting the
//! parameters, converting what the fn returned, the method's return type.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, PatType};

use super::{Kind, LoaderError, Output};
use crate::tokens;

/// The statements that extract `params` from `req`, and the names they bind.
///
/// Each goes through `__private::<extract_fn>::<T>`, whose bound is the check: a type that is
/// not an extractor is reported on that type, with the loader's own message, and nothing else
/// fails with it.
pub(crate) fn extract_params(
    kind: &Kind,
    krate: &TokenStream,
    req: &Ident,
    params: &[&PatType],
) -> (TokenStream, Vec<Ident>) {
    let extract_fn = Ident::new(kind.extract_fn, Span::call_site());
    let values: Vec<Ident> = (0..params.len())
        .map(|i| tokens::hygienic(&format!("__login_arg{i}")))
        .collect();
    let statements = params.iter().zip(&values).map(|(param, value)| {
        let ty = &param.ty;
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
        LoaderError::Named(error) => convert_error(krate, call, error.to_token_stream()),
        // `io::Result<T>` and the like: `E` is not written, so a bad one is reported on the
        // alias.
        LoaderError::Alias(ty) => convert_error(krate, call, quote_spanned!(ty.span()=> _)),
    }
}

/// Converts the loader's `Err(e)`, by what `E` is: an `actix_web::Error` (or `ResponseError`),
/// a `std::error::Error`, or an `anyhow::Error`-like report. No single trait can have all
/// three as blanket impls (they overlap), so the expansion, which knows `E`, picks one by
/// autoref: the receiver `&&&Kind<E>` finds the first of the `__private` traits implemented
/// for it, from the most to the least referenced, and the last, for any `E`, reports the
/// error. `E` is the method's type argument, written with the user's tokens, so that error
/// lands on them.
fn convert_error(krate: &TokenStream, call: TokenStream, error_ty: TokenStream) -> TokenStream {
    let user = tokens::hygienic("__login_user");
    let error = tokens::hygienic("__login_error");
    let convert = tokens::hygienic("__login_convert");
    let dispatch =
        quote!((&&&#krate::__private::loader_error::Kind::of(&#error)).loader_error::<#error_ty>());
    quote! {
        match #call {
            ::core::result::Result::Ok(#user) => ::core::result::Result::Ok(#user),
            ::core::result::Result::Err(#error) => {
                #[allow(unused_imports)]
                use #krate::__private::loader_error::{
                    ViaActixError as _, ViaStdError as _, ViaBoxedError as _, NotAnError as _,
                };
                let #convert = #dispatch;
                ::core::result::Result::Err(#convert(#error))
            }
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
