//! `GET /`: the seed's `health_check`. It does not touch the database, so it answers
//! even while PostgreSQL is down (the container health check relies on that).

use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::response::{Body, json};

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

/// `{"status":"ok"}`.
pub fn health_check() -> Response<Body> {
    json(StatusCode::OK, &Health { status: "ok" })
}
