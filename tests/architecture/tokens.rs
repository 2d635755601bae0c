//! What is read from tokens rather than from syn's syntax tree: the line a token is on
//! (proc-macro2's span-locations), a module's `//!` lines, and the paths among the tokens
//! of a macro call or an attribute, which rustc parses only when it expands them.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::spanned::Spanned;

pub fn line(span: Span) -> usize {
    span.start().line
}

/// The inner doc lines (`//!`) among `attrs`, with their lines.
pub fn docs(attrs: &[syn::Attribute]) -> Vec<(usize, String)> {
    attrs
        .iter()
        .filter(|a| matches!(a.style, syn::AttrStyle::Inner(_)) && a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => {
                let text = text.value();
                Some((
                    line(a.span()),
                    text.strip_prefix(' ').unwrap_or(&text).to_string(),
                ))
            }
            _ => None,
        })
        .collect()
}

/// The paths among `tokens`: `a::b::c`, `$crate::a`, `crate::a` (a path of one word is a
/// local name as often as not, and the `use` that brought it in is the import).
/// Literals are skipped: a string is never a path.
pub fn paths_in(tokens: TokenStream) -> Vec<(Vec<String>, usize)> {
    let mut found = Vec::new();
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(group) => found.extend(paths_in(group.stream())),
            TokenTree::Ident(first) if !after_path_separator_or_dot(&tokens, i) => {
                let dollar =
                    i > 0 && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '$');
                let mut path = vec![if dollar {
                    format!("${first}")
                } else {
                    first.to_string()
                }];
                while let (
                    Some(TokenTree::Punct(a)),
                    Some(TokenTree::Punct(b)),
                    Some(TokenTree::Ident(next)),
                ) = (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3))
                {
                    if a.as_char() != ':' || b.as_char() != ':' {
                        break;
                    }
                    path.push(next.to_string());
                    i += 3;
                }
                if path.len() > 1 {
                    found.push((path, line(first.span())));
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// `x.a` and `::a::b`'s `a` start no path of ours (a field, a method, another crate).
fn after_path_separator_or_dot(tokens: &[TokenTree], i: usize) -> bool {
    let punct = |at: usize| match i.checked_sub(at).map(|j| &tokens[j]) {
        Some(TokenTree::Punct(p)) => Some(p.as_char()),
        _ => None,
    };
    punct(1) == Some('.') || (punct(1) == Some(':') && punct(2) == Some(':'))
}
