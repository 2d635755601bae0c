//! Building responses: FastAPI's `JSONResponse`, Starlette's `PlainTextResponse` and
//! `HTMLResponse`.
//!
//! FastAPI serialises whatever a route returns (through `response_model`) with
//! `json.dumps` and sets `content-type: application/json`. Here a route hands over any
//! `Serialize` value and gets a finished response with the body written compactly, as
//! FastAPI does (`{"status":"ok"}`, no spaces). Two shortcuts skip the serialising: a
//! body known at compile time, and one a route wrote itself (`GET /users`, streamed).

use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

pub use crate::http::response_body::Body;

/// A JSON response. Serialising our own types cannot fail (no maps with non-string
/// keys, no custom serialisers), but if it ever did the client gets a 500, not a panic.
/// `?Sized` lifts the rule that `T`'s size is known when compiling, so `value` may be a
/// slice or a `str` too.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_type(status, "application/json", Bytes::from(bytes)),
        Err(err) => {
            crate::logging::log!("error: cannot serialise a response: {err}");
            json_static(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"detail":"Internal Server Error"}"#,
            )
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

/// A JSON response whose body is a constant: nothing to serialise or allocate.
pub fn json_static(status: StatusCode, body: &'static str) -> Response<Body> {
    static_body(status, "application/json", body)
}

/// A JSON response whose body is already written, whole or as a stream
/// (`GET /users`: a `StreamingResponse` with `media_type="application/json"`).
pub fn json_body(status: StatusCode, body: Body) -> Response<Body> {
    with_body(status, "application/json", body)
}

/// A response with any body and content type (`/metrics`' text format).
pub fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    with_body(status, content_type, Body::whole(body))
}

fn with_body(status: StatusCode, content_type: &'static str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
