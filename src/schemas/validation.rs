//! pydantic's building blocks: one validation error, and the lax coercions of `str` and
//! `int` fields.
//!
//! When FastAPI validates a request it collects pydantic's errors and answers 422 with
//! `{"detail": [error, ...]}`, each error `{"type", "loc", "msg", "input", "ctx"?}`.
//! [`ValidationError`] serialises to exactly that shape (fields in that order, no `url`).
//! Pydantic v2 in its default *lax* mode also converts inputs: `"28"`, `28.0` and `true`
//! are all fine for an `int`. [`lax_int`] and [`parse_int_str`] follow pydantic-core's
//! rules (see its `str_as_int` and `float_as_int`) so the same bodies pass and fail.

use serde::Serialize;
use serde_json::{Value, json};

/// One entry of `loc`: a field name or, for a JSON syntax error, a character offset.
// `#[serde(...)]` instructs the derived serialiser, as pydantic's `Field(...)` does a
// model's: `untagged` writes the value alone (`"body"`, `9`), not `{"Key": "body"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Loc {
    Key(&'static str),
    Offset(usize),
}

/// One pydantic error, as FastAPI returns it inside `detail`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationError {
    // `type` is a Rust keyword: the field is `kind`, written as `type` (an alias).
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub loc: Vec<Loc>,
    pub msg: String,
    pub input: Value,
    // Left out when `None`, as pydantic's `exclude_none`: FastAPI sends no `"ctx": null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

impl ValidationError {
    /// An error without `ctx`, at a location made of names.
    pub fn new(kind: &'static str, loc: &[&'static str], msg: &str, input: Value) -> Self {
        ValidationError {
            kind,
            loc: loc.iter().map(|key| Loc::Key(key)).collect(),
            msg: msg.to_string(),
            input,
            ctx: None,
        }
    }

    pub fn with_ctx(mut self, ctx: Value) -> Self {
        self.ctx = Some(ctx);
        self
    }

    /// `{"type":"missing", "msg":"Field required"}`: a required field is absent.
    pub fn missing(loc: &[&'static str], input: Value) -> Self {
        ValidationError::new("missing", loc, "Field required", input)
    }
}

/// Why a value is not an acceptable `int`. Each maps to one pydantic error type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IntError {
    /// `int_type`: not a number, string or bool at all (null, list, object).
    Type,
    /// `int_parsing`: a string that is not an integer.
    Parsing,
    /// `int_parsing_size`: more digits than pydantic agrees to parse (4300), or a float
    /// beyond 64 bits.
    ParsingSize,
    /// `int_from_float`: a number with a fractional part.
    FromFloat,
    /// `finite_number`: infinity or NaN.
    NotFinite,
}

impl IntError {
    /// The pydantic error for this failure at `loc`, echoing `input`.
    pub fn to_error(self, loc: &[&'static str], input: Value) -> ValidationError {
        let (kind, msg) = match self {
            IntError::Type => ("int_type", "Input should be a valid integer"),
            IntError::Parsing => (
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            ),
            IntError::ParsingSize => (
                "int_parsing_size",
                "Unable to parse input string as an integer, exceeded maximum size",
            ),
            IntError::FromFloat => (
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
            ),
            IntError::NotFinite => ("finite_number", "Input should be a finite number"),
        };
        ValidationError::new(kind, loc, msg, input)
    }
}

/// pydantic refuses to parse integers longer than this (CPython's int/str limit).
const MAX_INT_DIGITS: usize = 4300;

/// Lax `int` validation of a JSON value. The result is an `i128` that saturates: values
/// far beyond any database column are kept as "very large" so range checks still work.
pub fn lax_int(value: &Value) -> Result<i128, IntError> {
    match value {
        Value::Bool(b) => Ok(i128::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Ok(i128::from(u))
            } else {
                float_as_int(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => parse_int_str(s),
        _ => Err(IntError::Type),
    }
}

/// pydantic-core's `float_as_int`: whole floats become ints, others are errors.
fn float_as_int(f: f64) -> Result<i128, IntError> {
    if !f.is_finite() {
        Err(IntError::NotFinite)
    } else if f.fract() != 0.0 {
        Err(IntError::FromFloat)
    } else if (i64::MIN as f64) < f && f < (i64::MAX as f64) {
        Ok(f as i128)
    } else {
        Err(IntError::ParsingSize)
    }
}

/// pydantic-core's `str_as_int`: surrounding whitespace, one sign, leading zeros,
/// single underscores between digits, and a `.000` tail are all accepted; `1.`, `1.5`,
/// `1e3`, `_1` and `1__0` are not.
pub fn parse_int_str(text: &str) -> Result<i128, IntError> {
    let s = text.trim();
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    // A `.` is allowed only when every digit after it is a zero, and there is one.
    let whole = match unsigned.split_once('.') {
        Some((whole, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => whole,
        Some(_) => return Err(IntError::Parsing),
        None => unsigned,
    };
    let bytes = whole.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes.first() != Some(&b'_')
        && bytes.last() != Some(&b'_')
        && !whole.contains("__")
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_');
    if !well_formed {
        return Err(IntError::Parsing);
    }
    // pydantic-core strips leading zeros and underscores before counting digits; a
    // plain run of too many digits is `int_parsing_size`, one that needed stripping
    // first is `int_parsing` (Python's own `int()` refuses it).
    let significant = whole.trim_start_matches(['0', '_']);
    let digits = significant.bytes().filter(u8::is_ascii_digit).count();
    if digits > MAX_INT_DIGITS {
        let plain = significant.len() == whole.len() && !whole.contains('_');
        return Err(if plain {
            IntError::ParsingSize
        } else {
            IntError::Parsing
        });
    }
    let magnitude = bytes
        .iter()
        .filter(|b| b.is_ascii_digit())
        .fold(0i128, |acc, b| {
            acc.saturating_mul(10).saturating_add(i128::from(b - b'0'))
        });
    Ok(if negative { -magnitude } else { magnitude })
}

/// `ge` / `le` checks of a constrained int, with pydantic's messages and `ctx`.
pub fn check_int_range(
    value: i128,
    ge: i64,
    le: i64,
    loc: &[&'static str],
    input: &Value,
) -> Result<(), ValidationError> {
    check_ge(value, ge, loc, input)?;
    if value > i128::from(le) {
        let msg = format!("Input should be less than or equal to {le}");
        Err(
            ValidationError::new("less_than_equal", loc, &msg, input.clone())
                .with_ctx(json!({ "le": le })),
        )
    } else {
        Ok(())
    }
}

/// The `ge` check alone (`Query(ge=0)`: a lower bound and no upper one).
pub fn check_ge(
    value: i128,
    ge: i64,
    loc: &[&'static str],
    input: &Value,
) -> Result<(), ValidationError> {
    if value < i128::from(ge) {
        let msg = format!("Input should be greater than or equal to {ge}");
        Err(
            ValidationError::new("greater_than_equal", loc, &msg, input.clone())
                .with_ctx(json!({ "ge": ge })),
        )
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
