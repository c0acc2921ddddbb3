//! `#[user_loader]`: the stages shared with `#[request_loader]` run in `loader.rs`; this module
//! adds what is its own: validate the id parameter → generate `UserLoader::load_user`, which
//! parses the id and calls the fn.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

use crate::errors::Errors;
use crate::loader::{self, Kind, Loader, Output};
use crate::tokens;

pub(crate) const KIND: Kind = Kind {
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
    if let Some((id, extractors)) = loader.params.split_first() {
        let (second_ids, extractors): (Vec<_>, Vec<_>) = extractors
            .iter()
            .copied()
            .partition(|param| looks_like_id(&param.ty, &id.ty));
        for param in second_ids {
            errors.spanned(
                param,
                format!(
                    "a user loader takes exactly one id, its first parameter `{}`, and `{}` \
                     would be a second; the parameters after the id are actix extractors, like \
                     `web::Data<T>`: remove it, or combine both in one id type that implements \
                     `FromStr` and `Display`",
                    loader::param_to_string(id),
                    loader::param_to_string(param),
                ),
            );
        }
        loader::validate_extractors(&KIND, &extractors, errors);
    } else if !loader.in_impl {
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

/// Whether a parameter after the id reads as a second id rather than an extractor: the id's own
/// type, an integer, `String` or `&str` (none of them is an extractor).
fn looks_like_id(ty: &Type, id: &Type) -> bool {
    const IDS: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "String", "str", "Uuid",
    ];
    let ty = match ty {
        Type::Reference(reference) => &*reference.elem,
        ty => ty,
    };
    let named_id = matches!(ty, Type::Path(path) if path.qself.is_none()
    && path.path.segments.last().is_some_and(|last| {
        IDS.iter().any(|id| last.ident == id) && last.arguments.is_none()
    }));
    named_id || tokens::tokens_to_string(ty) == tokens::tokens_to_string(id)
}

/// `load_user`, which parses the id and calls the fn; `None` without an id parameter.
fn generate(loader: &Loader<'_>, output: &Output<'_>, krate: &TokenStream) -> Option<TokenStream> {
    let (id, extractors) = loader.params.split_first()?;
    let id_ty = &id.ty;
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

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::looks_like_id;

    #[test]
    fn a_second_id_is_told_from_an_extractor() {
        let id: syn::Type = parse_quote!(UserId);
        assert!(looks_like_id(&parse_quote!(u64), &id));
        assert!(looks_like_id(&parse_quote!(&str), &id));
        assert!(looks_like_id(&parse_quote!(UserId), &id));
        assert!(!looks_like_id(&parse_quote!(web::Data<Db>), &id));
        assert!(!looks_like_id(&parse_quote!(HttpRequest), &id));
    }
}
