//! Pieces every macro shares: the runtime crate path, error collection, hygienic names.

use proc_macro2::{Span, TokenStream};
use quote::quote;
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

/// Parses the value of `crate = "path::to::login_runtime"`.
pub(crate) fn parse_crate_path(value: ParseStream<'_>) -> syn::Result<Path> {
    let lit: LitStr = value.parse()?;
    lit.parse::<Path>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            "expected a path to login-runtime, like `crate = \"::my_login\"`",
        )
    })
}

/// Skips the value of an unknown argument (`= expr` or `(..)`) so parsing can report the rest.
pub(crate) fn skip_value(input: ParseStream<'_>) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        input.parse::<syn::Expr>()?;
    } else if input.peek(syn::token::Paren) {
        input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
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

/// The message for an unknown argument: names it, suggests the closest, lists the valid ones.
pub(crate) fn unknown_argument(what: &str, wrong: &str, valid: &[&str]) -> String {
    let list = valid
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match closest(wrong, valid) {
        Some(suggestion) => format!(
            "unknown {what} argument `{wrong}`; did you mean `{suggestion}`? (valid: {list})"
        ),
        None => format!("unknown {what} argument `{wrong}`; valid arguments are {list}"),
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
