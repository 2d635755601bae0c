//! The query string as name/value pairs: Starlette's `request.query_params`.
//!
//! FastAPI reads a query parameter such as `skip: int = 0` from Starlette's
//! `QueryParams`, which is `urllib.parse.parse_qsl(query, keep_blank_values=True)`:
//! pairs split on `&`, each name and value split at the first `=` (no `=` means an
//! empty value), `+` read as a space, then `%XX` escapes decoded as UTF-8 (invalid
//! bytes become U+FFFD). A name given twice keeps its *last* value, since
//! `query_params[name]` reads a dict built from the pairs in order; names nobody asked
//! for are simply never looked at. [`QueryParams`] does exactly that, and routes hand
//! the raw text of what they look up to `schemas` for pydantic's validation.

use crate::percent_decoding::percent_decode;

/// The decoded pairs of one request's query string, in order.
#[derive(Debug, Default, PartialEq)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Parses the part of the URI after `?` (`None`: there was no `?`).
    pub fn parse(query: Option<&str>) -> QueryParams {
        let pairs = query
            .unwrap_or_default()
            .split('&')
            // `a=1&&b=2`: empty pieces are skipped, as `parse_qsl` does.
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect();
        QueryParams(pairs)
    }

    /// The last value given for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        let last = self.0.iter().rev().find(|(n, _)| n == name);
        last.map(|(_, value)| value.as_str())
    }
}

/// `+` is a space (HTML forms' encoding), then `%XX` escapes are decoded.
fn decode(text: &str) -> String {
    percent_decode(&text.replace('+', " ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_parse_like_parse_qsl_with_blank_values_kept() {
        let query = QueryParams::parse(Some("skip=1&limit&&x=a=b&skip=%32+&sp%61ce=a+b%20c"));
        assert_eq!(
            query.get("skip"),
            Some("2 "),
            "the last one wins, + is a space"
        );
        assert_eq!(query.get("limit"), Some(""), "no `=`: an empty value");
        assert_eq!(query.get("x"), Some("a=b"), "split at the first `=` only");
        assert_eq!(query.get("space"), Some("a b c"), "names are decoded too");
        assert_eq!(query.get("nope"), None);
        assert_eq!(QueryParams::parse(None), QueryParams::default());
        assert_eq!(QueryParams::parse(Some("a=%ff")).get("a"), Some("\u{fffd}"));
    }
}
