//! Building responses: FastAPI's `JSONResponse`, Starlette's `PlainTextResponse` and
//! `HTMLResponse`.
//!
//! FastAPI serialises whatever a route returns (through `response_model`) with
//! `json.dumps` and sets `content-type: application/json`. Here a route hands over any
//! `Serialize` value and gets a finished response with the body written compactly, as
//! FastAPI does (`{"status":"ok"}`, no spaces).

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
        Ok(bytes) => with_type(status, "application/json", bytes),
        Err(err) => {
            eprintln!("error: cannot serialise a response: {err}");
            let body = br#"{"detail":"Internal Server Error"}"#.to_vec();
            with_type(StatusCode::INTERNAL_SERVER_ERROR, "application/json", body)
        }
    }
}

/// A plain-text response, as Starlette sends for CORS preflights (`OK`).
pub fn text(status: StatusCode, text: &'static str) -> Response<Body> {
    static_body(status, "text/plain; charset=utf-8", text)
}

/// A response whose body lives for the whole program (compiled in, or built once): it
/// is sent from where it is, without a copy per request.
pub fn static_body(
    status: StatusCode,
    content_type: &'static str,
    body: &'static str,
) -> Response<Body> {
    with_type(status, content_type, Bytes::from_static(body.as_bytes()))
}

fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
