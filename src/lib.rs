//! userapi: the users API of the backend capstone, written by hand on hyper and
//! tokio-postgres so that each thing FastAPI did for the seed has a file of its own.
//!
//! Layers, as in the seed: [`routes`] → [`schemas`] (validation) and [`services`]
//! (SQL) → [`db`] (the connection). Around them, the parts a framework hid: [`server`]
//! (uvicorn), [`router`] (Starlette routing), [`query_params`] (the query string),
//! [`request_body`] and [`response`] (body parsing and JSON responses), [`error`] (exception handlers), [`cors`]
//! (CORSMiddleware), [`api_docs`] (`/openapi.json` and `/docs`), [`config`] (the
//! environment) and [`cli`] (the command line and `--help`, uvicorn's click). [`healthcheck`]
//! is the container's health probe, which the seed's image
//! could leave to curl. [`admin`] is the operations port (`/live`, `/ready`, `/metrics`),
//! with [`metrics`] and [`request_metrics`] doing what prometheus_client and
//! prometheus-fastapi-instrumentator did. `docs/under-the-hood.md` follows one request
//! through all of them.

// A validation error carries the offending JSON value, which makes `Result`s that hold
// one large. They are the cold path of a request that is about to be answered with a
// 422, so boxing them would cost readability for nothing measurable.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod api_docs;
pub mod cli;
pub mod config;
pub mod connection_guard;
pub mod cors;
pub mod db;
pub mod error;
pub mod fd_limit;
pub mod healthcheck;
pub mod http_conformance;
pub mod json_decoder;
pub mod logging;
pub mod metrics;
pub mod percent_decoding;
pub mod query_params;
pub mod request_body;
pub mod request_metrics;
pub mod response;
pub mod response_body;
pub mod router;
pub mod routes;
pub mod schemas;
pub mod server;
pub mod services;

use db::{Database, Setup};
use hyper::body::Incoming;
use hyper::{Request, Response};
use request_metrics::RequestMetrics;
use response::Body;
use services::user_service::UserService;

/// What the database connection prepares: the table (the DDL of `init.sql`) and the
/// users service's statements.
pub const DATABASE_SETUP: Setup = Setup {
    schema: include_str!("../init.sql"),
    statements: services::user_batches::STATEMENTS,
};

/// The application, as the seed's `app/main.py` builds it (`app = FastAPI()`, the CORS
/// middleware, `include_router(users.router)`): the router with the users service behind
/// it, for [`server::run`] to call once per request.
#[derive(Clone)]
pub struct UsersApp {
    /// What FastAPI's dependency injection would hand each route: here, the service.
    users: UserService,
    /// prometheus-fastapi-instrumentator's part: requests by route template.
    metrics: RequestMetrics,
}

impl UsersApp {
    /// Starts the users service on `db` (its batchers are tasks: call within tokio).
    pub fn new(db: Database) -> UsersApp {
        UsersApp {
            users: UserService::start(db),
            metrics: RequestMetrics::new(),
        }
    }
}

impl server::App for UsersApp {
    const LISTENER: &'static str = "api";

    async fn call(self, request: Request<Incoming>) -> Response<Body> {
        let measurement = self.metrics.start(&request);
        let response = router::handle(request, &self.users).await;
        measurement.finish(response.status());
        response
    }
}
