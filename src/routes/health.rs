//! `GET /`: the seed's `health_check`. It does not touch the database, so it answers
//! even while PostgreSQL is down (the container health check relies on that).

use hyper::{Response, StatusCode};

use crate::http::response::{Body, json_static};

/// `{"status":"ok"}`, a constant: FastAPI serialises the route's dict on every call,
/// here there is nothing to serialise (or allocate) per request.
pub fn health_check() -> Response<Body> {
    json_static(StatusCode::OK, r#"{"status":"ok"}"#)
}
