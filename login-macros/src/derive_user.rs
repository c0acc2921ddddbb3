//! `#[derive(UserMixin)]`: parse `#[user(..)]` attributes → lift the struct into a model →
//! validate → generate the impl (or, on error, a stub impl so uses elsewhere do not cascade).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Field, Ident, Member, Path, Type};

use crate::common::{self, Errors};

const STRUCT_KEYS: &[&str] = &["anonymous", "crate"];
const FIELD_KEYS: &[&str] = &["id", "active", "auth_hash"];

/// The struct as the generated impl needs it.
#[derive(Default)]
struct Model<'a> {
    anonymous: Option<Type>,
    krate: Option<Path>,
    id: Option<(Member, &'a Field)>,
    active: Option<(Member, &'a Field)>,
    auth_hash: Option<(Member, &'a Field)>,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    let model = lift(&input, &mut errors);
    let krate = common::runtime_path(model.krate.as_ref());
    if errors.is_empty() {
        generate(&input, &model, &krate)
    } else {
        let errors = errors.to_compile_errors();
        let stub = stub(&input, &krate);
        quote!(#errors #stub)
    }
}

fn lift<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Model<'a> {
    let mut model = Model::default();
    parse_struct_attrs(input, &mut model, errors);
    let fields = match &input.data {
        Data::Struct(data) => &data.fields,
        Data::Enum(data) => {
            errors.push(syn::Error::new(
                data.enum_token.span,
                "`UserMixin` can only be derived for a struct; a user is one record with one id",
            ));
            return model;
        }
        Data::Union(data) => {
            errors.push(syn::Error::new(
                data.union_token.span,
                "`UserMixin` can only be derived for a struct, not a union",
            ));
            return model;
        }
    };
    for (index, field) in fields.iter().enumerate() {
        let member = field
            .ident
            .clone()
            .map_or_else(|| Member::from(index), Member::Named);
        parse_field_attrs(field, &member, &mut model, errors);
    }
    if model.id.is_none() {
        let named_id = fields
            .iter()
            .find(|field| field.ident.as_ref().is_some_and(|ident| ident == "id"));
        match named_id {
            Some(field) => {
                model.id = Some((Member::Named(Ident::new("id", Span::call_site())), field))
            }
            None => errors.push(syn::Error::new(
                input.ident.span(),
                format!(
                    "`{}` has no user id; add a field named `id` or mark one with `#[user(id)]`",
                    input.ident
                ),
            )),
        }
    }
    model
}

fn parse_struct_attrs(input: &DeriveInput, model: &mut Model<'_>, errors: &mut Errors) {
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("user"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("anonymous") {
                // #[user(anonymous = Guest)]
                let ty: Type = meta
                    .value()?
                    .parse()
                    .map_err(|_| meta.error("expected a type: `#[user(anonymous = Guest)]`"))?;
                if model.anonymous.replace(ty).is_some() {
                    errors.push(meta.error("duplicate `anonymous`; remove this one"));
                }
                Ok(())
            } else if meta.path.is_ident("crate") {
                // #[user(crate = "path::to::login_runtime")]
                let path = common::parse_crate_path(meta.value()?)?;
                if model.krate.replace(path).is_some() {
                    errors.push(meta.error("duplicate `crate`; remove this one"));
                }
                Ok(())
            } else {
                let name = common::path_to_string(&meta.path);
                let mut message =
                    common::unknown_argument("struct-level `#[user]`", &name, STRUCT_KEYS);
                if FIELD_KEYS.contains(&name.as_str()) {
                    message = format!("`#[user({name})]` belongs on a field, not on the struct");
                }
                errors.push(meta.error(message));
                common::skip_value(meta.input)
            }
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
}

fn parse_field_attrs<'a>(
    field: &'a Field,
    member: &Member,
    model: &mut Model<'a>,
    errors: &mut Errors,
) {
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("user"))
    {
        let result = attr.parse_nested_meta(|meta| {
            // #[user(id)] / #[user(active)] / #[user(auth_hash)]
            let slot = if meta.path.is_ident("id") {
                &mut model.id
            } else if meta.path.is_ident("active") {
                &mut model.active
            } else if meta.path.is_ident("auth_hash") {
                &mut model.auth_hash
            } else {
                let name = common::path_to_string(&meta.path);
                let message = if STRUCT_KEYS.contains(&name.as_str()) {
                    format!("`#[user({name} = ..)]` belongs on the struct, not on a field")
                } else {
                    common::unknown_argument("field-level `#[user]`", &name, FIELD_KEYS)
                };
                errors.push(meta.error(message));
                return common::skip_value(meta.input);
            };
            let key = common::path_to_string(&meta.path);
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                errors.push(meta.error(format!("`{key}` takes no value; write `#[user({key})]`")));
                return common::skip_value(meta.input);
            }
            if slot.is_some() {
                errors.push(meta.error(format!(
                    "`#[user({key})]` is on two fields; a user has exactly one, remove this one"
                )));
            } else {
                *slot = Some((member.clone(), field));
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
}

fn generate(input: &DeriveInput, model: &Model<'_>, krate: &TokenStream) -> TokenStream {
    let header = impl_header(input, krate);
    let anonymous = anonymous_type(model, krate);
    let Some((id, _)) = &model.id else {
        return stub(input, krate);
    };
    let is_active = model.active.as_ref().map(|(member, field)| {
        // Spanned at the field, so a non-`bool` field is reported there.
        let value = quote_spanned!(field.ty.span()=> self.#member);
        quote! {
            fn is_active(&self) -> bool {
                let active: bool = #value;
                active
            }
        }
    });
    let auth_hash = model.auth_hash.as_ref().map(|(member, field)| {
        let bytes = quote_spanned! {field.ty.span()=>
            ::core::convert::AsRef::<[::core::primitive::u8]>::as_ref(&self.#member)
        };
        quote! {
            fn session_auth_hash(&self) -> ::core::option::Option<::std::vec::Vec<::core::primitive::u8>> {
                ::core::option::Option::Some(::std::borrow::ToOwned::to_owned(#bytes))
            }
        }
    });
    quote! {
        #[automatically_derived]
        #header {
            type Anonymous = #anonymous;

            fn get_id(&self) -> ::std::string::String {
                ::std::string::ToString::to_string(&self.#id)
            }

            #is_active
            #auth_hash
        }
    }
}

/// Emitted beside the errors so code using the type does not pile up "not `UserMixin`" errors.
fn stub(input: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let header = impl_header(input, krate);
    quote! {
        #[automatically_derived]
        #header {
            type Anonymous = #krate::AnonymousUser;
            fn get_id(&self) -> ::std::string::String {
                ::core::unreachable!()
            }
        }
    }
}

fn impl_header(input: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // `UserMixin: 'static`, so every type parameter must be too.
    let statics = input.generics.type_params().map(|param| {
        let ident = &param.ident;
        quote!(#ident: 'static,)
    });
    let predicates = where_clause.map(|clause| {
        let predicates = &clause.predicates;
        quote!(#predicates,)
    });
    quote! {
        impl #impl_generics #krate::UserMixin for #name #ty_generics
        where #predicates #(#statics)*
    }
}

fn anonymous_type(model: &Model<'_>, krate: &TokenStream) -> TokenStream {
    match &model.anonymous {
        Some(ty) => quote!(#ty),
        None => quote!(#krate::AnonymousUser),
    }
}
