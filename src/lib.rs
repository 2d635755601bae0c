//! userapi: the users API of the backend capstone, written by hand on hyper and
//! tokio-postgres so that each thing FastAPI did for the seed has a file of its own.
//!
//! Layers, as in the seed: [`routes`] → [`schemas`] (validation) and [`services`]
//! (SQL) → [`db`] (the connection). Around them, the parts a framework hid: [`server`]
//! (uvicorn), [`router`] (Starlette routing), [`request_body`] and [`response`] (body
//! parsing and JSON responses), [`error`] (exception handlers), [`cors`]
//! (CORSMiddleware), [`api_docs`] (`/openapi.json` and `/docs`) and [`config`] (the
//! environment). [`healthcheck`] is the container's health probe, which the seed's image
//! could leave to curl. `docs/under-the-hood.md` follows one request through all of them.

// A validation error carries the offending JSON value, which makes `Result`s that hold
// one large. They are the cold path of a request that is about to be answered with a
// 422, so boxing them would cost readability for nothing measurable.
#![allow(clippy::result_large_err)]

pub mod api_docs;
pub mod config;
pub mod cors;
pub mod db;
pub mod error;
pub mod healthcheck;
pub mod http_conformance;
pub mod json_decoder;
pub mod request_body;
pub mod response;
pub mod router;
pub mod routes;
pub mod schemas;
pub mod server;
pub mod services;

use db::Setup;

/// What the database connection prepares: the table (the DDL of `init.sql`) and the
/// users service's statements.
pub const DATABASE_SETUP: Setup = Setup {
    schema: include_str!("../init.sql"),
    statements: services::user_batches::STATEMENTS,
};
