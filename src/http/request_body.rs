//! Reading a request body: size limit, Content-Type, JSON parsing.
//!
//! Before a FastAPI route sees its `user: UserCreate` argument, FastAPI reads the whole
//! body, parses it as JSON when the Content-Type says JSON (FastAPI 0.165's
//! `strict_content_type`: a body *without* a Content-Type is not parsed), and turns a
//! syntax error into a 422 `json_invalid` error; any other body is passed on as raw
//! text for pydantic to reject. Uvicorn reads any size, as slowly as the client likes.
//! We refuse bodies over [`MAX_BODY_BYTES`] with a 413, from the Content-Length header
//! when it says so (nothing is read) or as soon as a chunked body passes the limit, and
//! answer 408 when the body stops coming for 10 s, as nginx's `client_body_timeout`
//! does, or takes more than a minute in all ([`progress`]).

mod progress;

pub use progress::BODY_LIMITS;

use hyper::Request;
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::json_decoder::{self, PyJsonError};
use crate::schemas::validation::{Loc, ValidationError};

/// Largest body accepted. A user is well under 1 KiB; 64 KiB leaves room for clients
/// that send more fields than we read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The parsed body: `None` when there is none, a JSON value otherwise (`null`
/// included); a body that is not JSON by its Content-Type becomes a JSON string.
pub async fn read_json(request: Request<Incoming>) -> Result<Option<Value>, ApiError> {
    let (parts, body) = request.into_parts();
    if declared_length(&parts.headers).is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let capacity = declared_length(&parts.headers).unwrap_or(0) as usize;
    let bytes = progress::collect(body, capacity, MAX_BODY_BYTES, BODY_LIMITS).await?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if !is_json_content_type(
        parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    ) {
        return Ok(Some(Value::String(
            String::from_utf8_lossy(&bytes).into_owned(),
        )));
    }
    parse_json(&bytes)
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    // `?` on an `Option`: a `None` returns `None` from the function at once, as `?` on
    // a `Result` returns its error.
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// FastAPI parses the body as JSON when the Content-Type is `application/json` or
/// `application/<anything>+json` (parameters and case ignored); not when it is absent.
pub fn is_json_content_type(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => {
            !subtype.contains('/') && (subtype == "json" || subtype.ends_with("+json"))
        }
        _ => false,
    }
}

/// JSON text to a value, like Python's `json.loads` on the body bytes: the encoding
/// detected as Python does, undecodable text, over-long integers and deep nesting a 400,
/// a syntax error a 422 `json_invalid` at Python's position ([`json_decoder`]). JSON
/// `null` is a value like any other (pydantic refuses it as a model).
pub fn parse_json(bytes: &[u8]) -> Result<Option<Value>, ApiError> {
    // Drop-in exactness first (Python's decoding, CPython's error positions); serde_json
    // then builds the value.
    let text = json_decoder::decode(bytes).map_err(|_| ApiError::UnreadableBody)?;
    match json_decoder::check(&text) {
        Ok(()) => {}
        Err(PyJsonError::Unreadable) => return Err(ApiError::UnreadableBody),
        Err(PyJsonError::Syntax { msg, pos }) => {
            return Err(ApiError::Validation(vec![json_invalid(pos, msg.into())]));
        }
    }
    match from_checked_str(&text) {
        Ok(value) => Ok(Some(as_python_reads_it(value))),
        // Python also reads `NaN`, `Infinity` and lone surrogate escapes, which serde_json
        // refuses (docs/compatibility.md: the reference answers 500 to most of them).
        Err(err) => Err(ApiError::Validation(vec![serde_json_invalid(&text, &err)])),
    }
}

/// serde_json's parse of text that [`json_decoder::check`] has accepted. serde_json
/// stops at 127 levels of nesting on its own; `check` already refuses more than
/// [`json_decoder::MAX_DEPTH`] (128, the documented rule), so serde_json's limit is
/// lifted here rather than making exactly 128 levels a `json_invalid` (the reference
/// parses it and pydantic answers `model_attributes_type`).
fn from_checked_str(text: &str) -> Result<Value, serde_json::Error> {
    use serde::Deserialize;
    let mut parser = serde_json::Deserializer::from_str(text);
    parser.disable_recursion_limit();
    let value = Value::deserialize(&mut parser)?;
    parser.end()?;
    Ok(value)
}

/// Numbers as Python holds them: with serde_json's `arbitrary_precision` a number keeps
/// the digits it was sent with, so an echoed `input` is exact at any size; only `-0`
/// needs a change, since Python's int has no negative zero (`-0.0` stays a float).
fn as_python_reads_it(value: Value) -> Value {
    match value {
        Value::Number(n) if n.as_str() == "-0" => Value::from(0),
        Value::Array(items) => Value::Array(items.into_iter().map(as_python_reads_it).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (key, as_python_reads_it(value)))
                .collect(),
        ),
        other => other,
    }
}

/// FastAPI's error for a syntax error: `loc` is `["body", <character offset>]`, `input`
/// is `{}` and `ctx.error` the parser's message.
fn json_invalid(offset: usize, message: String) -> ValidationError {
    ValidationError {
        kind: "json_invalid",
        loc: vec![Loc::Key("body"), Loc::Offset(offset)],
        msg: "JSON decode error".to_string(),
        input: json!({}),
        ctx: Some(json!({ "error": message })),
    }
}

/// The same error for what only serde_json refuses, at the character it names.
fn serde_json_invalid(text: &str, err: &serde_json::Error) -> ValidationError {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(err.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let mut byte_offset = (line_start + err.column().saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(byte_offset) {
        byte_offset -= 1;
    }
    let message = err.to_string();
    let message = match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => message,
    };
    json_invalid(text[..byte_offset].chars().count(), message)
}

#[cfg(test)]
mod tests;
