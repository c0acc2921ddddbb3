//! `#[user_loader]`: parse arguments → lift the fn into a loader model → generate
//! `impl UserLoader for User` that calls it. The fn itself is emitted unchanged.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, Path, PathArguments, ReturnType, Type};

use crate::common::{self, Errors};

/// The loader as the generated impl needs it.
struct Loader<'a> {
    func: &'a ItemFn,
    id_ty: &'a Type,
    extractors: Vec<&'a Type>,
    user_ty: &'a Type,
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let krate = parse_args(args, &mut errors);
    let func = match syn::parse2::<ItemFn>(input.clone()) {
        Ok(func) => func,
        Err(_) => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[user_loader]` goes on an `async fn` that takes the user id and returns \
                 `Option<User>`",
            ));
            return input
                .into_iter()
                .chain(errors.to_compile_errors())
                .collect();
        }
    };
    let loader = lift(&func, &mut errors);
    let generated = match loader {
        Some(loader) if errors.is_empty() => {
            generate(&loader, &common::runtime_path(krate.as_ref()))
        }
        _ => TokenStream::new(),
    };
    let errors = errors.to_compile_errors();
    quote!(#func #generated #errors)
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> Option<Path> {
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            // #[user_loader(crate = "path::to::login_runtime")]
            if krate.is_some() {
                errors.push(meta.error("duplicate argument `crate`; remove this one"));
            }
            krate = Some(common::parse_crate_path(meta.value()?)?);
            Ok(())
        } else {
            let name = common::path_to_string(&meta.path);
            errors.push(meta.error(common::unknown_argument(
                "`#[user_loader]`",
                &name,
                &["crate"],
            )));
            common::skip_value(meta.input)
        }
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    krate
}

fn lift<'a>(func: &'a ItemFn, errors: &mut Errors) -> Option<Loader<'a>> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            format!(
                "a user loader must be an `async fn`; write `async fn {}(..)`",
                sig.ident
            ),
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "a user loader cannot be generic; name the concrete id and user types",
        ));
    }
    let mut typed = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => errors.push(syn::Error::new_spanned(
                receiver,
                "a user loader cannot take `self`; make it a free `async fn` and reach shared \
                 state through an extractor such as `web::Data<Db>`",
            )),
            FnArg::Typed(arg) => typed.push(&*arg.ty),
        }
    }
    let user_ty = user_type(&sig.output);
    if user_ty.is_none() {
        let span = match &sig.output {
            ReturnType::Type(_, ty) => ty.span(),
            ReturnType::Default => sig.paren_token.span.join(),
        };
        errors.push(syn::Error::new(
            span,
            "a user loader must return `Option<User>` or `Result<Option<User>, E>`",
        ));
    }
    let Some((id_ty, extractors)) = typed.split_first() else {
        if sig.receiver().is_none() {
            errors.push(syn::Error::new(
                sig.paren_token.span.join(),
                "a user loader takes the id as its first parameter: \
                 `async fn load(id: u64, ..) -> Option<User>`",
            ));
        }
        return None;
    };
    Some(Loader {
        func,
        id_ty,
        extractors: extractors.to_vec(),
        user_ty: user_ty?,
    })
}

/// `U` from `Option<U>`, `Result<Option<U>, E>` or an alias `Result<Option<U>>`.
fn user_type(output: &ReturnType) -> Option<&Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let (name, args) = last_segment(ty)?;
    match (name.as_str(), args.as_slice()) {
        ("Option", [user]) => Some(user),
        ("Result", [inner] | [inner, _]) => match last_segment(inner)? {
            (name, args) if name == "Option" && args.len() == 1 => args.first().copied(),
            _ => None,
        },
        _ => None,
    }
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

fn generate(loader: &Loader<'_>, krate: &TokenStream) -> TokenStream {
    let Loader {
        func,
        id_ty,
        extractors,
        user_ty,
    } = loader;
    let name = &func.sig.ident;
    let req = common::hygienic("__login_req");
    let id = common::hygienic("__login_id");
    let actix = quote!(#krate::__private::actix_web);
    let values: Vec<_> = (0..extractors.len())
        .map(|i| common::hygienic(&format!("__login_arg{i}")))
        .collect();
    // Spanned at each extractor type, so a type that is not `FromRequest` is reported there.
    let extract = extractors.iter().zip(&values).map(|(ty, value)| {
        quote_spanned! {ty.span()=>
            let #value = match <#ty as #actix::FromRequest>::extract(&#req).await {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(error) => {
                    return ::core::result::Result::Err(::core::convert::Into::into(error));
                }
            };
        }
    });
    let parse_id = quote_spanned! {id_ty.span()=>
        #krate::__private::parse_canonical_id::<#id_ty>(#id)
    };
    let impl_for = quote_spanned!(user_ty.span()=> impl #krate::UserLoader for #user_ty);
    quote! {
        #[automatically_derived]
        #impl_for {
            fn load_user(
                #req: &#actix::HttpRequest,
                #id: &::core::primitive::str,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<::core::option::Option<Self>, #actix::Error>,
            > + 'static {
                let #req = ::core::clone::Clone::clone(#req);
                // Parsed before the future, so it borrows nothing; `None` means "no user".
                let #id = #parse_id;
                async move {
                    let ::core::option::Option::Some(#id) = #id else {
                        return ::core::result::Result::Ok(::core::option::Option::None);
                    };
                    #(#extract)*
                    #krate::LoaderOutput::into_result(#name(#id, #(#values),*).await)
                }
            }
        }
    }
}
