//! `#[derive(UserMixin)]`: parse the struct's `#[user(..)]` arguments → parse the fields and
//! their `#[user(..)]` marks into a model → validate → generate the impl (or, on error, a stub
//! impl so uses elsewhere do not cascade).
//!
//! Field types are checked where they are used: the generated methods call
//! `__private::{id_to_string, active_flag, auth_hash}` with the field's type as the turbofish
//! argument, so a field of the wrong type is reported on that type, in the user's struct.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::ParseStream;
use syn::parse::discouraged::Speculative;
use syn::{Data, DeriveInput, Field, Fields, Ident, LitStr, Member, Path, Token, Type};

use crate::errors::Errors;
use crate::{args, crate_path, suggest, tokens};

mod permissions;

use permissions::{permission_impls, permission_source};

const STRUCT_KEYS: &[&str] = &["anonymous", "crate"];
const FIELD_KEYS: &[&str] = &["id", "active", "auth_hash", "permissions"];

/// What the struct's own `#[user(..)]` attributes say.
#[derive(Default)]
struct Args {
    anonymous: Option<Type>,
    krate: Option<Path>,
    /// `#[user(id)]` and friends were put on the struct: already reported, so a missing id
    /// is not reported again.
    misplaced_field_key: bool,
}

/// The struct as the generated impl needs it.
#[derive(Default)]
struct Model<'a> {
    id: Option<Marked<'a>>,
    active: Option<Marked<'a>>,
    auth_hash: Option<Marked<'a>>,
    permissions: Option<Marked<'a>>,
}

/// A field and how to reach it (`self.name` or `self.0`).
struct Marked<'a> {
    member: Member,
    field: &'a Field,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    let args = parse_args(&input, &mut errors);
    let model = parse(&input, &mut errors);
    validate(&input, &args, &model, &mut errors);
    let krate = crate_path::runtime_path(args.krate.as_ref());
    match &model.id {
        Some(id) if errors.is_empty() => generate(&input, &args, &model, id, &krate),
        _ => {
            let errors = errors.to_compile_errors();
            let stub = stub(&input, &krate);
            quote!(#errors #stub)
        }
    }
}

/// The struct's own `#[user(..)]` arguments.
fn parse_args(input: &DeriveInput, errors: &mut Errors) -> Args {
    let mut parsed = Args::default();
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("user"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("anonymous") {
                // #[user(anonymous = Guest)]
                if let Some(ty) = parse_anonymous(meta.input, &meta.path, errors)?
                    && parsed.anonymous.replace(ty).is_some()
                {
                    errors.push(meta.error("duplicate `anonymous`; remove this one"));
                }
            } else if meta.path.is_ident("crate") {
                // #[user(crate = "path::to::login_runtime")]
                crate_path::parse_crate_arg(&meta, &mut parsed.krate, errors)?;
            } else {
                let name = tokens::path_to_string(&meta.path);
                let message = if FIELD_KEYS.contains(&name.as_str()) {
                    parsed.misplaced_field_key = true;
                    format!(
                        "`#[user({name})]` belongs on a field, not on the struct; move it onto \
                         the field it marks"
                    )
                } else {
                    let takes = "on a struct it takes `anonymous = Type` and `crate = \"..\"`";
                    suggest::unknown_argument("`#[user(..)]`", &name, STRUCT_KEYS, takes)
                };
                errors.push(meta.error(message));
                args::take_value(meta.input)?;
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
    parsed
}

/// `= Type`; anything else is reported on the guilty tokens and skipped.
fn parse_anonymous(
    input: ParseStream<'_>,
    key: &Path,
    errors: &mut Errors,
) -> syn::Result<Option<Type>> {
    let example = "`#[user(anonymous = Guest)]`";
    if !input.peek(Token![=]) {
        let value = args::take_value(input)?;
        let tokens = if value.is_empty() {
            key.to_token_stream()
        } else {
            value
        };
        errors.spanned(
            tokens,
            format!("`anonymous` takes the type of the anonymous visitor; write {example}"),
        );
        return Ok(None);
    }
    input.parse::<Token![=]>()?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        errors.spanned(
            &lit,
            format!(
                "write the type without quotes: `#[user(anonymous = {})]`",
                lit.value()
            ),
        );
        return Ok(None);
    }
    let fork = input.fork();
    if let Ok(ty) = fork.parse::<Type>()
        && (fork.is_empty() || fork.peek(Token![,]))
    {
        input.advance_to(&fork);
        return Ok(Some(ty));
    }
    let mut value = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        value.extend([input.parse::<proc_macro2::TokenTree>()?]);
    }
    errors.spanned(
        value,
        format!("expected the anonymous visitor's type, like {example}"),
    );
    Ok(None)
}

/// The fields marked `#[user(..)]`; the id is the field marked `#[user(id)]`, else the field
/// named `id`. An enum or a union has none: `validate` reports it.
fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Model<'a> {
    let mut model = Model::default();
    let Data::Struct(data) = &input.data else {
        return model;
    };
    for (index, field) in data.fields.iter().enumerate() {
        let member = field
            .ident
            .clone()
            .map_or_else(|| Member::from(index), Member::Named);
        parse_field_attrs(field, &member, &mut model, errors);
    }
    if model.id.is_none() {
        let named_id = data
            .fields
            .iter()
            .find(|field| field.ident.as_ref().is_some_and(|ident| ident == "id"));
        if let Some(field) = named_id {
            let member = Member::Named(Ident::new("id", Span::call_site()));
            model.id = Some(Marked { member, field });
        }
    }
    model
}

/// A field's `#[user(..)]` marks.
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
            // #[user(id)] / #[user(active)] / #[user(auth_hash)] / #[user(permissions)]
            let slot = if meta.path.is_ident("id") {
                &mut model.id
            } else if meta.path.is_ident("active") {
                &mut model.active
            } else if meta.path.is_ident("auth_hash") {
                &mut model.auth_hash
            } else if meta.path.is_ident("permissions") {
                &mut model.permissions
            } else {
                let name = tokens::path_to_string(&meta.path);
                let message = if STRUCT_KEYS.contains(&name.as_str()) {
                    format!("`#[user({name} = ..)]` belongs on the struct, not on a field")
                } else {
                    let takes = "on a field it takes `id`, `active`, `auth_hash` or `permissions`";
                    suggest::unknown_argument("`#[user(..)]`", &name, FIELD_KEYS, takes)
                };
                errors.push(meta.error(message));
                return args::take_value(meta.input).map(drop);
            };
            let key = tokens::path_to_string(&meta.path);
            // A value is reported, but the field still counts as marked: the intent is clear.
            args::reject_value(&meta, &format!("#[user({key})]"), errors)?;
            if slot.is_some() {
                errors.push(meta.error(format!(
                    "a second `#[user({key})]`: a user has one {key} field; remove this one"
                )));
            } else {
                let member = member.clone();
                *slot = Some(Marked { member, field });
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
}

/// A user is a struct, with an id.
fn validate(input: &DeriveInput, args: &Args, model: &Model<'_>, errors: &mut Errors) {
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(data) => &data.fields,
        Data::Enum(data) => {
            let enum_token = data.enum_token;
            errors.spanned(
                quote!(#enum_token #name),
                format!(
                    "`UserMixin` can only be derived for a struct: a user is one record with one \
                     id; make `{name}` a struct, or put the enum in a field of one"
                ),
            );
            return;
        }
        Data::Union(data) => {
            let union_token = data.union_token;
            errors.spanned(
                quote!(#union_token #name),
                format!("`UserMixin` can only be derived for a struct; make `{name}` a struct"),
            );
            return;
        }
    };
    if model.id.is_some() || args.misplaced_field_key {
        return;
    }
    if matches!(fields, Fields::Unnamed(_)) {
        errors.spanned(
            name,
            format!("`{name}` has no user id; mark the id field with `#[user(id)]`"),
        );
    } else {
        errors.spanned(
            name,
            format!(
                "`{name}` has no user id; add a field named `id`, or mark the field that \
                 identifies the user with `#[user(id)]`"
            ),
        );
    }
}

fn generate(
    input: &DeriveInput,
    args: &Args,
    model: &Model<'_>,
    id: &Marked<'_>,
    krate: &TokenStream,
) -> TokenStream {
    let private = quote!(#krate::__private);
    // A field whose type mentions a type parameter cannot be checked once for all; its
    // requirement becomes a bound of the impl, checked where the type is used.
    let params: Vec<&Ident> = input
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    let mut bounds = Vec::new();
    let mut bound = |marked: &Marked<'_>, check: &str| {
        let ty = &marked.field.ty;
        if tokens::mentions_any(ty, &params) {
            let check = Ident::new(check, Span::call_site());
            bounds.push(quote!(#ty: #private::#check,));
        }
    };
    bound(id, "IdField");
    model
        .active
        .iter()
        .for_each(|marked| bound(marked, "ActiveField"));
    model
        .auth_hash
        .iter()
        .for_each(|marked| bound(marked, "AuthHashField"));
    model
        .permissions
        .iter()
        .for_each(|marked| bound(marked, "PermissionField"));

    let header = impl_header(input, krate, &bounds);
    let anonymous = match &args.anonymous {
        Some(ty) => ty.to_token_stream(),
        None => quote!(#krate::AnonymousUser),
    };
    let Marked { member, field } = id;
    let id_ty = &field.ty;
    let is_active = model.active.as_ref().map(|Marked { member, field }| {
        let ty = &field.ty;
        quote! {
            fn is_active(&self) -> ::core::primitive::bool {
                #private::active_flag::<#ty>(&self.#member)
            }
        }
    });
    let auth_hash = model.auth_hash.as_ref().map(|Marked { member, field }| {
        let ty = &field.ty;
        quote! {
            fn session_auth_hash(
                &self,
            ) -> ::core::option::Option<::std::vec::Vec<::core::primitive::u8>> {
                #private::auth_hash::<#ty>(&self.#member)
            }
        }
    });
    let permission_source = permission_source(model, &private);
    let permissions = model
        .permissions
        .as_ref()
        .map(|marked| permission_impls(input, krate, marked, &bounds));
    quote! {
        #[automatically_derived]
        #header {
            type Anonymous = #anonymous;

            fn get_id(&self) -> ::std::string::String {
                ::std::string::ToString::to_string(#private::id_field::<#id_ty>(&self.#member))
            }

            fn has_id(&self, id: &::core::primitive::str) -> bool {
                #private::id_eq(#private::id_field::<#id_ty>(&self.#member), id)
            }

            #is_active
            #auth_hash
            #permission_source
        }

        #permissions
    }
}

/// Emitted beside the errors so code using the type does not pile up "not `UserMixin`" errors.
fn stub(input: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let header = impl_header(input, krate, &[]);
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

fn impl_header(input: &DeriveInput, krate: &TokenStream, bounds: &[TokenStream]) -> TokenStream {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // `UserMixin: 'static`, so every type parameter must be too.
    let statics = input.generics.type_params().map(|param| {
        let ident = &param.ident;
        quote!(#ident: 'static,)
    });
    let predicates = where_clause
        .into_iter()
        .flat_map(|clause| clause.predicates.iter());
    quote! {
        impl #impl_generics #krate::UserMixin for #name #ty_generics
        where #(#predicates,)* #(#statics)* #(#bounds)*
    }
}
