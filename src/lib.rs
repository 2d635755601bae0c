//! userapi: the users API of the backend capstone, written by hand on hyper and
//! tokio-postgres so that each thing FastAPI did for the seed has a file of its own.
//!
//! This file is only the table of contents. The folders are the layers, top to
//! bottom; each imports only from the layers below it (`tests/architecture.rs` keeps
//! it so, as Python's import-linter would):
//!
//! | layer | what FastAPI's stack did there |
//! |---|---|
//! | `main.rs` | `uvicorn app.main:app`: reads settings, binds, hands the app to the server |
//! | [`cli`], [`ops`] | the command line (uvicorn's click), `--healthcheck`, the admin port (`/live`, `/ready`, `/metrics`) |
//! | [`app`] | `app = FastAPI()`: the middleware (CORS, metrics, h11's refusals) and the router, matched once per request |
//! | [`config`], [`server`], [`routes`], [`api_docs`] | the environment; uvicorn; the seed's route functions; `/openapi.json` and `/docs` |
//! | [`http`] | Starlette's `Request`/`Response`: body, query string, JSON decoding, errors to `{"detail": ...}` |
//! | [`services`] | the seed's `services/user_service.py`: the SQL, batched |
//! | [`db`] | psycopg2 and libpq: one shared connection that reconnects by itself, TLS |
//! | [`metrics`] | prometheus_client |
//! | [`logging`] | Python's `logging` and uvicorn's access log, made non-blocking |
//! | [`schemas`] | pydantic: the models and their validation |
//!
//! `docs/under-the-hood.md` follows one request through all of them; the README's
//! "First read" says which files to read first, and which to skip.

// A validation error carries the offending JSON value, which makes `Result`s that hold
// one large. They are the cold path of a request that is about to be answered with a
// 422, so boxing them would cost readability for nothing measurable.
#![allow(clippy::result_large_err)]

pub mod api_docs;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod ops;
pub mod routes;
pub mod schemas;
pub mod server;
pub mod services;
