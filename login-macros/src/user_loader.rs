//! `#[user_loader]`: parse arguments → lift the fn into a loader model (shared with
//! `#[request_loader]`, in `loader.rs`) → validate the id → generate `impl UserLoader for User`
//! that calls it. The fn itself is emitted unchanged.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

use crate::common::{self, Errors};
use crate::loader::{self, Kind, Loader};

const KIND: Kind = Kind {
    attr: "`#[user_loader]`",
    noun: "a user loader",
    trait_name: "UserLoader",
    extract_fn: "user_loader_param",
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
    let id = validate_id(&loader, &mut errors);
    let generated = match (&loader.output, id) {
        (Some(output), Some(id)) if errors.is_empty() => generate(&loader, output, id, &krate),
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

/// The id is the first parameter; the rest are extractors.
fn validate_id<'a>(loader: &Loader<'a>, errors: &mut Errors) -> Option<&'a Type> {
    let first = loader.params.first().copied();
    if first.is_none() && !loader.in_impl {
        let sig = &loader.func.sig;
        let user = loader
            .user_guess
            .map_or_else(|| "User".to_owned(), common::tokens_to_string);
        errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            format!(
                "a user loader takes the user id as its first parameter; write \
                 `async fn {}(id: u64) -> Option<{user}>`, with the type of the user's id field",
                sig.ident
            ),
        ));
    }
    first
}

fn generate(
    loader: &Loader<'_>,
    output: &loader::Output<'_>,
    id_ty: &Type,
    krate: &TokenStream,
) -> TokenStream {
    let name = &loader.func.sig.ident;
    let req = common::hygienic("__login_req");
    let id = common::hygienic("__login_id");
    let (extract, values) = loader::extract_params(&KIND, krate, &req, &loader.params[1..]);
    let call = quote!(#name(#id, #(#values),*).await);
    let result = loader::convert_output(krate, output, call);
    let future = loader::future_type(krate);
    let items = quote! {
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
    };
    loader::impl_trait(&KIND, krate, output.user, items)
}

/// Beside an error: the trait is implemented, so `LoginManager::<User>` elsewhere still
/// type-checks and the error above is the only one.
fn stub(user: &Type, krate: &TokenStream) -> TokenStream {
    let future = loader::future_type(krate);
    let body = loader::stub_body();
    let items = quote! {
        fn load_user(
            _: &#krate::__private::actix_web::HttpRequest,
            _: &::core::primitive::str,
        ) -> #future {
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
                async fn load(id: u64, db: Data<Db>) -> Result<Option<User>, E> {
                    None
                }
            ),
        )
        .to_string();
        assert!(!output.contains("login_runtime"), "{output}");
        assert!(output.contains("auth :: __private"), "{output}");
    }
}
