//! Building responses: FastAPI's `JSONResponse` and Starlette's `PlainTextResponse`.
//!
//! FastAPI serialises whatever a route returns (through `response_model`) with
//! `json.dumps` and sets `content-type: application/json`. Here a route hands over any
//! `Serialize` value and gets a finished response with the body written compactly, as
//! FastAPI does (`{"status":"ok"}`, no spaces). A body known at compile time skips
//! the serialising.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// The body type of every response this server sends: one buffer, sent whole, so hyper
/// can set `content-length`.
pub type Body = Full<Bytes>;

/// A JSON response. Serialising our own types cannot fail (no maps with non-string
/// keys, no custom serialisers), but if it ever did the client gets a 500, not a panic.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_type(status, "application/json", Bytes::from(bytes)),
        Err(err) => {
            eprintln!("error: cannot serialise a response: {err}");
            json_static(
                StatusCode::INTERNAL_SERVER_ERROR,
                br#"{"detail":"Internal Server Error"}"#,
            )
        }
    }
}

/// A JSON response whose body is a constant: nothing to serialise or allocate.
pub fn json_static(status: StatusCode, body: &'static [u8]) -> Response<Body> {
    with_type(status, "application/json", Bytes::from_static(body))
}

/// A plain-text response, as Starlette sends for CORS preflights (`OK`).
pub fn text(status: StatusCode, text: &'static str) -> Response<Body> {
    let body = Bytes::from_static(text.as_bytes());
    with_type(status, "text/plain; charset=utf-8", body)
}

fn with_type(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
