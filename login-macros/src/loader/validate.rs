//! The validate stage of the loader macros: the fn's shape, what it returns, and the
//! parameters that are extractors.

use syn::{FnArg, PatType, ReturnType, Type};

use super::{Kind, Loader, STD, last_segment};
use crate::errors::Errors;
use crate::tokens;

/// Checks the fn's shape, then what `kind` asks of its parameters.
pub(super) fn validate(kind: &Kind, loader: &Loader<'_>, errors: &mut Errors) {
    let sig = &loader.func.sig;
    let name = &sig.ident;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            format!(
                "{} must be an `async fn`; write `async fn {name}`",
                kind.noun
            ),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            format!(
                "{} cannot be generic: it is called for one user type; name the concrete types",
                kind.noun
            ),
        );
    }
    for arg in &sig.inputs {
        if let FnArg::Receiver(receiver) = arg {
            errors.spanned(
                receiver,
                format!(
                    "{} cannot take `{}`: the login manager calls it without a \
                     receiver; make `{name}` a free `async fn` and take shared state as \
                     `web::Data<T>`",
                    kind.noun,
                    tokens::tokens_to_string(receiver),
                ),
            );
        }
    }
    match &loader.output {
        Ok(output) => {
            if let Some(message) = user_type_error(kind, output.user) {
                errors.spanned(output.user, message);
            }
        }
        Err(guess) => report_output(kind, sig, *guess, errors),
    }
    (kind.validate)(loader, errors);
}

/// Checks the parameters that are extractors: one that borrows cannot be one, and says what
/// to take instead. Whether each is an extractor is the type checker's to say.
pub(crate) fn validate_extractors(kind: &Kind, params: &[&PatType], errors: &mut Errors) {
    for param in params {
        let Type::Reference(reference) = &*param.ty else {
            continue;
        };
        let inner = &*reference.elem;
        let written = tokens::tokens_to_string(&param.ty);
        let is_extractor =
            last_segment(inner).is_some_and(|(name, _)| EXTRACTORS.contains(&name.as_str()));
        let instead = if is_extractor {
            format!("`{}`", tokens::tokens_to_string(inner))
        } else {
            let inner = tokens::tokens_to_string(inner);
            format!(
                "`web::Data<{inner}>`, registered with `App::app_data(web::Data::new(..))`, \
                 which derefs to `{inner}`"
            )
        };
        let noun = kind.noun.trim_start_matches("a ");
        errors.spanned(
            &param.ty,
            format!(
                "a parameter of a {noun} is extracted from each request, so it cannot be the \
                 borrow `{written}`; take {instead}"
            ),
        );
    }
}

/// `name: Type`, as written, for messages.
pub(crate) fn param_to_string(param: &PatType) -> String {
    format!(
        "{}: {}",
        tokens::tokens_to_string(&param.pat),
        tokens::tokens_to_string(&param.ty)
    )
}

/// actix-web extractors a parameter may borrow by mistake: the fix is to take them by value.
const EXTRACTORS: &[&str] = &[
    "HttpRequest",
    "Data",
    "ReqData",
    "Path",
    "Query",
    "Json",
    "Form",
    "Header",
    "Bytes",
    "Payload",
    "ConnectionInfo",
    "Session",
    "Method",
    "Uri",
];

fn report_output(kind: &Kind, sig: &syn::Signature, guess: Option<&Type>, errors: &mut Errors) {
    let user = guess.map_or_else(|| "User".to_owned(), tokens::tokens_to_string);
    let expected = "`Option<User>` or `Result<Option<User>, E>`";
    match &sig.output {
        ReturnType::Default => errors.push(syn::Error::new(
            sig.paren_token.span.close(),
            format!(
                "{} returns {expected}; add `-> Option<User>` after the parameters",
                kind.noun
            ),
        )),
        ReturnType::Type(_, ty) => {
            let instead = match last_segment(ty) {
                Some((name, args)) if name == "Result" && !args.is_empty() => {
                    let error = args.get(1).map_or_else(String::new, |error| {
                        format!(", {}", tokens::tokens_to_string(error))
                    });
                    format!("Result<Option<{user}>{error}>")
                }
                _ => format!("Option<{user}>"),
            };
            errors.spanned(
                ty,
                format!(
                    "{} returns {expected}, where `None` means no such user; write `-> {instead}`",
                    kind.noun
                ),
            );
        }
    }
}

/// `User` for `&User`, `&'a mut User`, `Box<User>`, `Rc<User>` and `Arc<User>`: the type the
/// loader meant, for the stub and the message.
pub(super) fn owned_user(ty: &Type) -> &Type {
    match ty {
        Type::Reference(reference) => owned_user(&reference.elem),
        Type::Paren(paren) => owned_user(&paren.elem),
        _ => match last_segment(ty) {
            Some((name, args)) if SHARED.contains(&name.as_str()) && args.len() == 1 => args[0],
            _ => ty,
        },
    }
}

/// The pointers a user might return the user through, where `Option<User>` is meant.
const SHARED: &[&str] = &["Box", "Rc", "Arc"];

/// Why `user` cannot be the user type, if it obviously cannot: a std type (the orphan rule
/// forbids implementing the trait for it, and it is not what the loader meant), or a borrowed
/// or pointer-wrapped user (the trait is implemented for the owned type).
fn user_type_error(kind: &Kind, user: &Type) -> Option<String> {
    let written = tokens::tokens_to_string(user);
    let owned = owned_user(user);
    if is_foreign(owned) {
        return Some(format!(
            "`{written}` is not a user type: {} returns your user type, the struct with \
             `#[derive(UserMixin)]`, as `Option<User>`",
            kind.noun
        ));
    }
    (!std::ptr::eq(owned, user)).then(|| {
        format!(
            "{} returns the user by value, not `{written}`: write `Option<{}>`; the login \
             keeps the user for the rest of the request, so clone it out of a shared cache",
            kind.noun,
            tokens::tokens_to_string(owned),
        )
    })
}

/// A type that is never a user's own: a primitive or std type, a tuple, a slice, a trait object.
fn is_foreign(ty: &Type) -> bool {
    match ty {
        Type::Path(_) => last_segment(ty).is_some_and(|(name, _)| {
            name != "Self"
                && (!name.starts_with(|c: char| c.is_ascii_uppercase())
                    || STD.contains(&name.as_str()))
        }),
        Type::Paren(paren) => is_foreign(&paren.elem),
        Type::Group(group) => is_foreign(&group.elem),
        Type::Macro(_) | Type::Infer(_) | Type::Verbatim(_) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn borrowed_and_std_user_types_are_refused() {
        let kind = crate::user_loader::KIND;
        let refused = |ty: Type| user_type_error(&kind, &ty);
        assert!(refused(parse_quote!(User)).is_none());
        assert!(refused(parse_quote!(crate::models::User)).is_none());
        assert!(refused(parse_quote!(&User)).is_some_and(|m| m.contains("`Option<User>`")));
        assert!(refused(parse_quote!(Arc<User>)).is_some_and(|m| m.contains("by value")));
        for foreign in [
            parse_quote!(String),
            parse_quote!(u64),
            parse_quote!(&str),
            parse_quote!((User, u64)),
            parse_quote!(Vec<User>),
        ] {
            assert!(refused(foreign).is_some_and(|m| m.contains("is not a user type")));
        }
    }
}
