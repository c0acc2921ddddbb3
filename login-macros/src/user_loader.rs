//! `#[user_loader]`: the stages shared with `#[request_loader]` run in `loader.rs`; this module
//! adds what is its own: validate the id parameter → generate `UserLoader::load_user`, which
//! parses the id and calls the fn.

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;
use crate::loader::{self, Kind, Loader, Output};
use crate::tokens;

const KIND: Kind = Kind {
    attr: "`#[user_loader]`",
    noun: "a user loader",
    trait_name: "UserLoader",
    extract_fn: "user_loader_param",
    validate,
    generate,
    stub,
};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    loader::expand(&KIND, args, input)
}

/// The id is the first parameter; the rest are extractors.
fn validate(loader: &Loader<'_>, errors: &mut Errors) {
    if loader.params.is_empty() && !loader.in_impl {
        let sig = &loader.func.sig;
        let user = loader
            .user_guess
            .map_or_else(|| "User".to_owned(), tokens::tokens_to_string);
        errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            format!(
                "a user loader takes the user id as its first parameter; write \
                 `async fn {}(id: u64) -> Option<{user}>`, with the type of the user's id field",
                sig.ident
            ),
        ));
    }
}

/// `load_user`, which parses the id and calls the fn; `None` without an id parameter.
fn generate(loader: &Loader<'_>, output: &Output<'_>, krate: &TokenStream) -> Option<TokenStream> {
    let (id_ty, extractors) = loader.params.split_first()?;
    let name = &loader.func.sig.ident;
    let req = tokens::hygienic("__login_req");
    let id = tokens::hygienic("__login_id");
    let (extract, values) = loader::extract_params(&KIND, krate, &req, extractors);
    let call = quote!(#name(#id, #(#values),*).await);
    let result = loader::convert_output(krate, output, call);
    let future = loader::future_type(krate);
    Some(quote! {
        fn load_user(
            #req: &#krate::__private::actix_web::HttpRequest,
            #id: &::core::primitive::str,
        ) -> #future {
            let #req = ::core::clone::Clone::clone(#req);
            // Parsed before the future, so it borrows nothing; `None` means "no user". The id
            // type is the turbofish argument, so one that is not `FromStr` is reported on it.
            let #id = #krate::__private::parse_id::<#id_ty>(#id);
            async move {
                let ::core::option::Option::Some(#id) = #id else {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                };
                #extract
                #result
            }
        }
    })
}

/// The stub's `load_user`, never run.
fn stub(krate: &TokenStream) -> TokenStream {
    let future = loader::future_type(krate);
    let body = loader::stub_body();
    quote! {
        fn load_user(
            _: &#krate::__private::actix_web::HttpRequest,
            _: &::core::primitive::str,
        ) -> #future {
            #body
        }
    }
}
