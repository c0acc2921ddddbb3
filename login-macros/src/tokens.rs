//! Tokens: the user's, printed as written for messages or searched for names, and the hygienic
//! identifiers generated code binds.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Ident, Path};

/// An identifier user code cannot name or collide with.
pub(crate) fn hygienic(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
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
