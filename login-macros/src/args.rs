//! Helpers for parsing a macro's arguments with `syn::meta`: skipping past a bad value so the
//! rest of the arguments are still checked.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::Token;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;

use crate::errors::Errors;
use crate::tokens;

/// Rejects a value after a key that takes none (`fresh = 1`, `id(..)`), pointing at the value.
/// Returns whether a value was there (and was skipped).
pub(crate) fn reject_value(
    meta: &ParseNestedMeta<'_>,
    write_instead: &str,
    errors: &mut Errors,
) -> syn::Result<bool> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Ok(false);
    }
    let key = tokens::path_to_string(&meta.path);
    let value = take_value(meta.input)?;
    errors.spanned(
        value,
        format!("`{key}` takes no value; write `{write_instead}`"),
    );
    Ok(true)
}

/// Consumes the value of an argument (`= expr` or `(..)`) so parsing can go on to report the
/// rest, and returns its tokens.
pub(crate) fn take_value(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?.to_tokens(&mut tokens);
        input.parse::<syn::Expr>()?.to_tokens(&mut tokens);
    } else if input.peek(syn::token::Paren) {
        input.parse::<proc_macro2::Group>()?.to_tokens(&mut tokens);
    }
    Ok(tokens)
}
