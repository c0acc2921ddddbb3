//! `#[user(permissions)]` and the permission source: what `#[derive(UserMixin)]` writes so the
//! guard finds a user type's permissions.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::{Marked, Model};

/// `UserMixin::__permission_source`: how the guard finds the user's permissions. With a
/// `#[user(permissions)]` field, the impls below; otherwise an `impl UserPermissions` written
/// by hand, if there is one, found by the probe.
pub(super) fn permission_source(model: &Model<'_>, private: &TokenStream) -> TokenStream {
    let found = if model.permissions.is_some() {
        quote!(::core::option::Option::Some(#private::erased_permission_source::<Self>))
    } else {
        // In a generic impl, the probe finds an impl that holds for every instance the impl
        // covers (`impl<T> UserPermissions for User<T>`); one for some instances only is not
        // found, and those users have no permissions (a 500 naming the fix, never a pass).
        quote! {{
            use #private::{Sourced as _, Unsourced as _};
            (&&#private::PermissionProbe::<Self>::new()).source()
        }}
    };
    quote! {
        fn __permission_source() -> ::core::option::Option<#private::PermissionSource<Self>> {
            #found
        }
    }
}

/// `UserPermissions` and `HasPermissions` from the field marked `#[user(permissions)]`. Its type
/// is the turbofish argument of the `__private` fns, so a field that is not a collection of
/// permissions is reported on that type.
pub(super) fn permission_impls(
    input: &DeriveInput,
    krate: &TokenStream,
    marked: &Marked<'_>,
    bounds: &[TokenStream],
) -> TokenStream {
    let private = quote!(#krate::__private);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let predicates: Vec<_> = where_clause
        .into_iter()
        .flat_map(|clause| clause.predicates.iter())
        .collect();
    let Marked { member, field } = marked;
    let ty = &field.ty;
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::UserPermissions for #name #ty_generics
        where #(#predicates,)* #(#bounds)*
        {
            type Permission = <#ty as #private::PermissionField>::Permission;

            fn permissions(
                &self,
                _: &#private::actix_web::HttpRequest,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<
                    ::std::collections::HashSet<Self::Permission>,
                    #private::actix_web::Error,
                >,
            > {
                ::core::future::ready(::core::result::Result::Ok(
                    #private::field_permissions::<#ty>(&self.#member),
                ))
            }
        }

        #[automatically_derived]
        impl #impl_generics #krate::HasPermissions for #name #ty_generics
        where #(#predicates,)* #(#bounds)*
        {
            fn has_permission<Q>(&self, permission: &Q) -> bool
            where
                Self::Permission: ::core::borrow::Borrow<Q>,
                Q: ::core::cmp::Eq + ?::core::marker::Sized,
            {
                #private::field_has_permission::<#ty, Q>(&self.#member, permission)
            }
        }
    }
}
