//! `#[login_required(permission = .., permissions(..))]`: parsing the list, and the unit struct
//! that carries it to the guard.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, Token, Type};

use super::Args;
use crate::errors::Errors;
use crate::{args, tokens};

/// `permissions(a, b)`: at least one permission, each an expression.
pub(super) fn parse_permission_list(
    meta: &syn::meta::ParseNestedMeta<'_>,
    permissions: &mut Vec<Expr>,
    errors: &mut Errors,
) -> syn::Result<()> {
    if !meta.input.peek(syn::token::Paren) {
        let value = args::take_value(meta.input)?;
        let path = &meta.path;
        errors.spanned(
            quote!(#path #value),
            "`permissions` takes a list; write `permissions(Role::Admin, Role::Editor)`, or \
             `permission = Role::Admin` for one",
        );
        return Ok(());
    }
    let group: proc_macro2::Group = meta.input.parse()?;
    let list = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(group.stream())?;
    if list.is_empty() {
        let path = &meta.path;
        errors.spanned(
            quote!(#path #group),
            "`permissions()` names no permission, so it would require nothing; name at least \
             one, like `permissions(Role::Admin)`, or remove it",
        );
    }
    permissions.extend(list);
    Ok(())
}

/// The unit struct whose `RequiredPermissions` impl lists what `permission = ..` and
/// `permissions(..)` name, and its name. The guard is an extractor *type*, so the values reach
/// it through a type made for this handler. The list is built once per thread.
///
/// Where the handler names its user type (a `CurrentUser<User>` or `Authenticated<User>`
/// parameter), a check that is never run makes a permission of another type than the user's, or
/// a user type with no permissions, a compile error; otherwise the guard finds out at run time.
pub(super) fn required_permissions(
    handler: &ItemFn,
    args: &Args,
    krate: &TokenStream,
) -> Option<(Ident, TokenStream)> {
    if args.permissions.is_empty() {
        return None;
    }
    let private = quote!(#krate::__private);
    // `r#static` names the struct `__LoginPermissions_static`.
    let name = Ident::new(
        &format!("__LoginPermissions_{}", handler.sig.ident.unraw()),
        handler.sig.ident.span(),
    );
    let vis = &handler.vis;
    let permissions = &args.permissions;
    // The check sits in the struct's impl, outside the handler: a user type that mentions the
    // handler's own type parameters cannot be named there.
    let generics: Vec<&Ident> = handler
        .sig
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    let user = user_type(handler).filter(|user| !tokens::mentions_any(user, &generics));
    let checks = user.map(|user| {
        let each = permissions.iter().map(|permission| {
            quote_spanned!(permission.span()=> #private::permission_of::<#user, _>(&#permission);)
        });
        quote! {
            let _ = || {
                #(#each)*
            };
        }
    });
    let list = permissions
        .iter()
        .map(|permission| quote_spanned!(permission.span()=> #private::permission(#permission)));
    let item = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name;

        #[automatically_derived]
        impl #private::RequiredPermissions for #name {
            fn required() -> ::core::option::Option<#private::Required> {
                #checks
                ::std::thread_local! {
                    static REQUIRED: #private::Required =
                        #private::Required::all(::std::vec![#(#list),*]);
                }
                ::core::option::Option::Some(REQUIRED.with(::core::clone::Clone::clone))
            }
        }
    };
    Some((name, item))
}

/// The user type a handler names in a `CurrentUser<User>` or `Authenticated<User>` parameter.
fn user_type(handler: &ItemFn) -> Option<&Type> {
    handler.sig.inputs.iter().find_map(|arg| {
        let FnArg::Typed(typed) = arg else {
            return None;
        };
        let Type::Path(path) = &*typed.ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        if last.ident != "CurrentUser" && last.ident != "Authenticated" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
            return None;
        };
        match generics.args.first()? {
            syn::GenericArgument::Type(user) if generics.args.len() == 1 => Some(user),
            _ => None,
        }
    })
}
