//! `#[request_loader]`: the stages shared with `#[user_loader]` run in `loader.rs`; this module
//! adds what is its own: validate that no parameter is an id → generate
//! `RequestLoader::load_from_request`, which calls the fn.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

use crate::errors::Errors;
use crate::loader::{self, Kind, Loader, Output};
use crate::tokens;

const KIND: Kind = Kind {
    attr: "`#[request_loader]`",
    noun: "a request loader",
    trait_name: "RequestLoader",
    extract_fn: "request_loader_param",
    validate,
    generate,
    stub,
};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    loader::expand(&KIND, args, input)
}

/// Every parameter is an extractor, which the type checker verifies. An integer is caught
/// here, because it is the one mistake with a clearer message: a `#[user_loader]`'s id.
fn validate(loader: &Loader<'_>, errors: &mut Errors) {
    const INTEGERS: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let mut extractors = Vec::new();
    for &param in &loader.params {
        let ty = &*param.ty;
        if let Type::Path(path) = ty
            && INTEGERS.iter().any(|int| path.path.is_ident(int))
        {
            errors.spanned(
                ty,
                "a request loader takes no id: it runs when the session has no user; take \
                 `req: HttpRequest` and read the credentials from it (a header, the query)",
            );
        } else {
            extractors.push(param);
        }
    }
    loader::validate_extractors(&KIND, &extractors, errors);
}

/// `load_from_request`, which extracts every parameter and calls the fn.
fn generate(loader: &Loader<'_>, output: &Output<'_>, krate: &TokenStream) -> Option<TokenStream> {
    let name = &loader.func.sig.ident;
    let req = tokens::hygienic("__login_req");
    let (extract, values) = loader::extract_params(&KIND, krate, &req, &loader.params);
    let call = quote!(#name(#(#values),*).await);
    let result = loader::convert_output(krate, output, call);
    let future = loader::future_type(krate);
    Some(quote! {
        fn load_from_request(#req: &#krate::__private::actix_web::HttpRequest) -> #future {
            let #req = ::core::clone::Clone::clone(#req);
            async move {
                #extract
                #result
            }
        }
    })
}

/// The stub's `load_from_request`, never run.
fn stub(krate: &TokenStream) -> TokenStream {
    let future = loader::future_type(krate);
    let body = loader::stub_body();
    quote! {
        fn load_from_request(_: &#krate::__private::actix_web::HttpRequest) -> #future {
            #body
        }
    }
}
