//! `#[request_loader]`: parse arguments → lift the fn into a loader model (shared with
//! `#[user_loader]`, in `loader.rs`) → generate `impl RequestLoader for User` that calls it.
//! The fn itself is emitted unchanged.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

use crate::common::{self, Errors};
use crate::loader::{self, Kind, Loader};

const KIND: Kind = Kind {
    attr: "`#[request_loader]`",
    noun: "a request loader",
    trait_name: "RequestLoader",
    extract_fn: "request_loader_param",
};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    // Bad arguments are reported, but do not stop the real impl from being generated.
    let mut arg_errors = Errors::default();
    let krate = loader::parse_args(&KIND, args, &mut arg_errors);
    let krate = common::runtime_path(krate.as_ref());
    let func = match loader::parse_fn(&KIND, input) {
        Ok(func) => func,
        Err(fallback) => return fallback,
    };
    let mut errors = Errors::default();
    let loader = loader::lift(&KIND, &func, &mut errors);
    validate_params(&loader, &mut errors);
    let generated = match &loader.output {
        Some(output) if errors.is_empty() => generate(&loader, output, &krate),
        _ => loader
            .user_guess
            .map(|user| stub(user, &krate))
            .unwrap_or_default(),
    };
    let generated = loader::place(&loader, generated);
    errors.append(arg_errors);
    let errors = errors.to_compile_errors();
    quote!(#func #generated #errors)
}

/// Every parameter is an extractor, which the type checker verifies. An integer is caught
/// here, because it is the one mistake with a clearer message: a `#[user_loader]`'s id.
fn validate_params(loader: &Loader<'_>, errors: &mut Errors) {
    const INTEGERS: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    for ty in &loader.params {
        if let Type::Path(path) = ty
            && INTEGERS.iter().any(|int| path.path.is_ident(int))
        {
            errors.spanned(
                ty,
                "a request loader takes no id: it runs when the session has no user; take \
                 `req: HttpRequest` and read the credentials from it (a header, the query)",
            );
        }
    }
}

fn generate(loader: &Loader<'_>, output: &loader::Output<'_>, krate: &TokenStream) -> TokenStream {
    let name = &loader.func.sig.ident;
    let req = common::hygienic("__login_req");
    let (extract, values) = loader::extract_params(&KIND, krate, &req, &loader.params);
    let call = quote!(#name(#(#values),*).await);
    let result = loader::convert_output(krate, output, call);
    let future = loader::future_type(krate);
    let items = quote! {
        fn load_from_request(#req: &#krate::__private::actix_web::HttpRequest) -> #future {
            let #req = ::core::clone::Clone::clone(#req);
            async move {
                #extract
                #result
            }
        }
    };
    loader::impl_trait(&KIND, krate, output.user, items)
}

/// Beside an error: the trait is implemented, so `LoginManager::request_loader()` elsewhere
/// still type-checks and the error above is the only one.
fn stub(user: &Type, krate: &TokenStream) -> TokenStream {
    let future = loader::future_type(krate);
    let body = loader::stub_body();
    let items = quote! {
        fn load_from_request(_: &#krate::__private::actix_web::HttpRequest) -> #future {
            #body
        }
    };
    loader::impl_trait(&KIND, krate, user, items)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    // A renamed dependency is only reachable through the given path: no generated path may
    // name `login_runtime` itself.
    #[test]
    fn every_generated_path_goes_through_crate() {
        let output = super::expand(
            quote!(crate = "auth"),
            quote!(
                async fn load(req: HttpRequest) -> Option<User> {
                    None
                }
            ),
        )
        .to_string();
        assert!(!output.contains("login_runtime"), "{output}");
        assert!(output.contains("auth :: __private"), "{output}");
    }
}
