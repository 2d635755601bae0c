//! userapi: the users API of the backend capstone, written by hand on hyper and
//! tokio-postgres so that each thing FastAPI did for the seed has a file of its own.
//!
//! This file is only the table of contents. The folders are the layers, top to
//! bottom; each imports only from the layers below it (`tests/architecture/` keeps
//! it so, as Python's import-linter would):
//!
//! | layer | its modules | what FastAPI's stack did there |
//! |---|---|---|
//! | `main.rs` | | `uvicorn app.main:app`: read settings, bind, hand the app to the server |
//! | [`cli`], [`ops`] | `ops::{healthcheck, admin}` | uvicorn's click command line; `--healthcheck` (curl in the seed's image); the admin port (`/live`, `/ready`, `/metrics`) |
//! | [`app`] | `app::{router, request_metrics, cors, http_conformance}` | `app = FastAPI()`, its middleware and its router; the route is matched once per request |
//! | [`config`], [`server`], [`routes`], [`api_docs`] | `config::{database_url, host_params, tls_params, environment}`, `server::{write_deadline, unsent_limit, fd_limit, accept_failures}`, `routes::{health, users}` | `os.getenv`; uvicorn; the seed's route functions; `/openapi.json` and `/docs` |
//! | [`http`] | `http::{error, request_body, query_params, json_decoder, response, response_body}` | Starlette's `Request`/`Response`, `json.loads`, FastAPI's exception handlers |
//! | [`services`] | `services::{error, user_service, user_batches, user_listing, page_sharing}` | the seed's `services/user_service.py`: the SQL, here batched |
//! | [`db`] | `db::{reads, link, batch, settings, error}`; `db::link::{database, supervisor, preference, session_maker, host_selection, session, tls, tls_rustls, login, connect_failure, role}`; `db::reads::{standby, outcome, wal_position}` | psycopg2 and libpq: one shared connection that reconnects by itself (and is replaced when it stops answering), TLS, several hosts and `target_session_attrs` (the `link`); opt-in reads from a standby that never go stale for a writer (`reads`: a second SQLAlchemy engine and a session router) |
//! | [`metrics`] | `metrics::{registry, exposition, histogram, http, database, reads, connections, process}` | prometheus_client |
//! | [`logging`] | | Python's `logging` and uvicorn's access log, made non-blocking |
//! | [`schemas`], [`percent_decoding`] | `schemas::{user, list_params, validation}` | pydantic: the models and their validation; `urllib.parse.unquote` |
//!
//! `docs/under-the-hood.md` follows one request through all of them and says which
//! files a first read may skip; the README's "First read" says where to start
//! (`examples/`, then the guide).

// A validation error carries the offending JSON value, which makes `Result`s that hold
// one large. They are the cold path of a request that is about to be answered with a
// 422, so boxing them would cost readability for nothing measurable.
#![allow(clippy::result_large_err)]

// `pub` only where `main.rs` (a crate of its own, which wires the parts together) or
// the tests under tests/ need to reach in; the rest is the library's inside.
mod api_docs;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
mod http;
pub mod logging;
mod metrics;
pub mod ops;
mod percent_decoding;
mod routes;
pub mod schemas;
pub mod server;
pub mod services;
