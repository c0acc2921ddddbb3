//! The path generated code uses to reach the runtime crate: `::login_runtime`, or the one given
//! with `crate = "path"` when the dependency is renamed in `Cargo.toml`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{LitStr, Path};

use crate::errors::Errors;

/// The path generated code uses to reach the runtime crate.
pub(crate) fn runtime_path(custom: Option<&Path>) -> TokenStream {
    match custom {
        Some(path) => quote!(#path),
        None => quote!(::login_runtime),
    }
}

/// Parses `crate = "path::to::login_runtime"`; a second one is reported on its own key.
pub(crate) fn parse_crate_arg(
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<Path>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let path = parse_crate_path(meta.value()?)?;
    if slot.replace(path).is_some() {
        errors.push(meta.error("duplicate argument `crate`; remove this one"));
    }
    Ok(())
}

fn parse_crate_path(value: ParseStream<'_>) -> syn::Result<Path> {
    let lit: LitStr = value.parse()?;
    lit.parse::<Path>().map_err(|_| {
        let message = format!(
            "`{}` is not a path; write the name login-runtime has in your `Cargo.toml`, like \
             `crate = \"my_login\"`",
            lit.value()
        );
        syn::Error::new(lit.span(), message)
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    // A renamed dependency is only reachable through the given path: no generated path of any
    // macro may name `login_runtime` itself, in the real expansion or in the stub.
    #[test]
    fn every_generated_path_goes_through_crate() {
        let login_required = crate::login_required::expand(
            quote!(fresh, crate = "auth"),
            quote!(
                async fn settings(q: Query) -> String {
                    q.0
                }
            ),
        );
        let user_loader = crate::user_loader::expand(
            quote!(crate = "auth"),
            quote!(
                async fn load(id: u64, db: Data<Db>) -> Result<Option<User>, E> {
                    None
                }
            ),
        );
        let request_loader = crate::request_loader::expand(
            quote!(crate = "auth"),
            quote!(
                async fn load(req: HttpRequest) -> Option<User> {
                    None
                }
            ),
        );
        let derive = crate::derive_user::expand(quote! {
            #[user(crate = "auth")]
            struct User { id: u64, #[user(active)] on: bool, #[user(auth_hash)] hash: String }
        });
        let derive_stub = crate::derive_user::expand(quote! {
            #[user(crate = "auth")]
            struct User { name: String }
        });
        let expansions = [
            (login_required, "auth :: __private"),
            (user_loader, "auth :: __private"),
            (request_loader, "auth :: __private"),
            (derive, "auth :: UserMixin"),
            (derive_stub, "auth :: UserMixin"),
        ];
        for (output, expected) in expansions {
            let output = output.to_string();
            assert!(!output.contains("login_runtime"), "{output}");
            assert!(output.contains(expected), "{output}");
        }
    }
}
