//! Pieces every macro shares: the runtime crate path, error collection, argument parsing
//! helpers, hygienic names and the wording of common messages.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Ident, LitStr, Path, Token};

/// Collects independent errors so all of them are reported at once (serde's `Ctxt`).
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Shorthand for `push(Error::new_spanned(tokens, message))`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Adds every error of `other`.
    pub(crate) fn append(&mut self, other: Errors) {
        if let Some(error) = other.0 {
            self.push(error);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

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
    let key = path_to_string(&meta.path);
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

/// An identifier user code cannot name or collide with.
pub(crate) fn hygienic(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The closest valid name to a misspelt one, for "did you mean" hints.
pub(crate) fn closest<'a>(wrong: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|candidate| (edit_distance(wrong, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= candidate.len().max(3) / 3 + 1)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The message for an unknown argument: names it, and suggests the closest valid one or else
/// says what the attribute takes. `what` is how the attribute is written, e.g.
/// "`#[login_required]`".
pub(crate) fn unknown_argument(what: &str, wrong: &str, valid: &[&str], takes: &str) -> String {
    match closest(wrong, valid) {
        Some(suggestion) => {
            format!("{what} has no argument `{wrong}`; did you mean `{suggestion}`?")
        }
        None => format!("{what} has no argument `{wrong}`; {takes}"),
    }
}

/// `a::b::c` as written, for messages.
pub(crate) fn path_to_string(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Tokens as a person would write them (`Option<User>`, not `Option < User >`), for messages.
pub(crate) fn tokens_to_string(tokens: impl ToTokens) -> String {
    let mut out = String::new();
    let mut previous: Option<TokenTree> = None;
    for token in tokens.into_token_stream() {
        let glue = match (&previous, &token) {
            (None, _) => false,
            (_, TokenTree::Punct(punct)) if matches!(punct.as_char(), '<' | '>' | ',' | ':') => {
                true
            }
            (Some(TokenTree::Punct(punct)), _)
                if matches!(punct.as_char(), '<' | ':' | '&' | '\'') =>
            {
                true
            }
            _ => false,
        };
        if !glue && previous.is_some() {
            out.push(' ');
        }
        match &token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{ ", " }"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push_str(&tokens_to_string(group.stream()));
                out.push_str(close);
            }
            other => out.push_str(&other.to_string()),
        }
        previous = Some(token);
    }
    out
}

/// The tokens that name an item (`struct User`), and what to call it in a message.
pub(crate) fn item_head(item: &syn::Item) -> (TokenStream, &'static str) {
    use syn::Item;
    match item {
        Item::Struct(syn::ItemStruct {
            struct_token,
            ident,
            ..
        }) => (quote!(#struct_token #ident), "a struct"),
        Item::Enum(syn::ItemEnum {
            enum_token, ident, ..
        }) => (quote!(#enum_token #ident), "an enum"),
        Item::Union(syn::ItemUnion {
            union_token, ident, ..
        }) => (quote!(#union_token #ident), "a union"),
        Item::Trait(syn::ItemTrait {
            trait_token, ident, ..
        }) => (quote!(#trait_token #ident), "a trait"),
        Item::Mod(syn::ItemMod {
            mod_token, ident, ..
        }) => (quote!(#mod_token #ident), "a module"),
        Item::Impl(syn::ItemImpl {
            impl_token,
            self_ty,
            ..
        }) => (quote!(#impl_token #self_ty), "an `impl` block"),
        Item::Const(syn::ItemConst {
            const_token, ident, ..
        }) => (quote!(#const_token #ident), "a const"),
        Item::Static(syn::ItemStatic {
            static_token,
            ident,
            ..
        }) => (quote!(#static_token #ident), "a static"),
        Item::Type(syn::ItemType {
            type_token, ident, ..
        }) => (quote!(#type_token #ident), "a type alias"),
        other => (other.to_token_stream(), "this item"),
    }
}

/// Whether `tokens` mention any of `names` (the generic parameters of an item).
pub(crate) fn mentions_any(tokens: impl ToTokens, names: &[&Ident]) -> bool {
    fn walk(stream: TokenStream, names: &[&Ident]) -> bool {
        stream.into_iter().any(|token| match token {
            TokenTree::Ident(ident) => names.iter().any(|name| **name == ident),
            TokenTree::Group(group) => walk(group.stream(), names),
            _ => false,
        })
    }
    !names.is_empty() && walk(tokens.into_token_stream(), names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_argument() {
        assert_eq!(closest("frsh", &["fresh", "crate"]), Some("fresh"));
        assert_eq!(closest("crates", &["fresh", "crate"]), Some("crate"));
        assert_eq!(closest("anything", &["fresh", "crate"]), None);
        assert_eq!(
            closest("activ", &["id", "active", "auth_hash"]),
            Some("active")
        );
    }

    #[test]
    fn prints_types_as_written() {
        let ty: syn::Type = syn::parse_quote!(Result<Option<User>, std::io::Error>);
        assert_eq!(
            tokens_to_string(&ty),
            "Result<Option<User>, std::io::Error>"
        );
        let ty: syn::Type = syn::parse_quote!(&'static str);
        assert_eq!(tokens_to_string(&ty), "&'static str");
        let ty: syn::Type = syn::parse_quote!(web::Data<(u8, u16)>);
        assert_eq!(tokens_to_string(&ty), "web::Data<(u8, u16)>");
    }
}
