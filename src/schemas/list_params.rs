//! The query parameters of `GET /users`: FastAPI's "Query Parameters", by hand.
//!
//! The seed's `get_users()` takes no parameters: `skip` and `limit` are this API's
//! addition. Declared in FastAPI, `def get_users(skip: int = Query(0, ge=0), limit: int |
//! None = Query(None, ge=0))` would be all it takes: every function argument that is not a path
//! parameter or a body is read from the query string, converted by pydantic's lax `int`
//! (from a string: `" 7 "`, `+7`, `007`, `7.0`, `7_0` are all 7), checked against `ge`,
//! and defaulted when absent. Errors of both parameters are reported together, in the
//! order the function declares them, as a 422 with `loc: ["query", name]`. The
//! integers themselves are unbounded in Python; here they saturate at `i64::MAX`, a
//! number of rows no table reaches, so a huge `skip` is simply an empty list.

use serde_json::Value;

use super::validation::{ValidationError, check_ge, parse_int_str};

/// How much of the list to return: `OFFSET skip LIMIT limit`, in id order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListParams {
    /// Rows to leave out at the start (default 0).
    pub skip: i64,
    /// Rows to return at most; `None` (the default) returns every row.
    pub limit: Option<i64>,
}

impl ListParams {
    /// Validates the raw values of `skip` and `limit` (already taken from the query
    /// string and percent-decoded; `None` when absent).
    pub fn validate(
        skip: Option<&str>,
        limit: Option<&str>,
    ) -> Result<ListParams, Vec<ValidationError>> {
        let skip = skip.map_or(Ok(0), |raw| non_negative_int(raw, "skip"));
        // `transpose` turns `map`'s `Option<Result>` into a `Result<Option>`: an absent
        // `limit` is `Ok(None)`, a bad one its error.
        let limit = limit.map(|raw| non_negative_int(raw, "limit")).transpose();
        match (skip, limit) {
            (Ok(skip), Ok(limit)) => Ok(ListParams { skip, limit }),
            (skip, limit) => Err([skip.err(), limit.err()].into_iter().flatten().collect()),
        }
    }
}

/// `int` with `ge=0` from query text, saturated at `i64::MAX`.
fn non_negative_int(raw: &str, name: &'static str) -> Result<i64, ValidationError> {
    let loc = ["query", name];
    let input = Value::from(raw);
    let value = parse_int_str(raw).map_err(|err| err.to_error(&loc, input.clone()))?;
    check_ge(value, 0, &loc, &input)?;
    Ok(i64::try_from(value).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_lax_integers() {
        let all = ListParams::validate(None, None);
        assert_eq!(
            all,
            Ok(ListParams {
                skip: 0,
                limit: None
            })
        );
        let lax = ListParams::validate(Some(" +0_10.00 "), Some("007"));
        assert_eq!(
            lax,
            Ok(ListParams {
                skip: 10,
                limit: Some(7)
            })
        );
        let huge = ListParams::validate(Some(&"9".repeat(40)), Some("0"));
        assert_eq!(
            huge,
            Ok(ListParams {
                skip: i64::MAX,
                limit: Some(0)
            })
        );
    }

    #[test]
    fn both_errors_are_reported_in_order() {
        let errors = ListParams::validate(Some("abc"), Some("-1")).unwrap_err();
        assert_eq!(
            serde_json::to_value(errors).unwrap(),
            json!([
                {"type": "int_parsing", "loc": ["query", "skip"],
                 "msg": "Input should be a valid integer, unable to parse string as an integer",
                 "input": "abc"},
                {"type": "greater_than_equal", "loc": ["query", "limit"],
                 "msg": "Input should be greater than or equal to 0", "input": "-1",
                 "ctx": {"ge": 0}},
            ])
        );
        let empty = ListParams::validate(None, Some("")).unwrap_err();
        assert_eq!(empty[0].kind, "int_parsing");
        assert_eq!(empty[0].input, json!(""));
    }
}
