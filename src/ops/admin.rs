//! The admin port: `/live`, `/ready` and `/metrics`, for orchestrators and Prometheus.
//!
//! uvicorn has no admin server: a FastAPI service adds `/healthz` routes to its public
//! app and mounts `prometheus_client.make_asgi_app()` at `/metrics` (or lets
//! prometheus-fastapi-instrumentator `expose()` it), so a reference client would see
//! paths the API never had. Here they live on a second listener (`ADMIN_PORT`), served
//! by the same [`server::run`](crate::server::run) as the API: this is just another app,
//! as PostgREST's admin server is. The public port still answers 404 for all three.
//!
//! - `/live`: the process answers requests. Nothing else is checked, so a database
//!   outage never makes an orchestrator restart a healthy process.
//! - `/ready`: the database session is up and the server is not shutting down; else 503
//!   with the reason, so a load balancer stops sending traffic (and starts again).
//! - `/metrics`: [`metrics::render`] in Prometheus' text format.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hyper::body::Incoming;
use hyper::header::{ALLOW, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::db::Database;
use crate::http::response::{Body, json_static, with_type};
use crate::metrics;
use crate::server::App;

/// Set once the process has been told to stop, before the API server starts draining;
/// `/ready` answers 503 from then on. Cheap to clone; clones share the flag.
#[derive(Clone, Default)]
pub struct ShuttingDown(Arc<AtomicBool>);

impl ShuttingDown {
    pub fn begin(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The admin app: reads the database's state and the shutdown flag, never the users.
#[derive(Clone)]
pub struct AdminApp {
    db: Database,
    shutting_down: ShuttingDown,
}

impl AdminApp {
    pub fn new(db: Database, shutting_down: ShuttingDown) -> AdminApp {
        AdminApp { db, shutting_down }
    }

    fn ready(&self) -> Response<Body> {
        let unavailable = StatusCode::SERVICE_UNAVAILABLE;
        if self.shutting_down.is_set() {
            json_static(unavailable, r#"{"detail":"shutting down"}"#)
        } else if !self.db.is_connected() {
            json_static(unavailable, r#"{"detail":"database unavailable"}"#)
        } else {
            json_static(StatusCode::OK, r#"{"status":"ready"}"#)
        }
    }
}

impl App for AdminApp {
    const LISTENER: &'static str = "admin";

    async fn call(self, request: Request<Incoming>) -> Response<Body> {
        // One trailing slash is optional, as on the API port.
        let path = request.uri().path();
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        if !matches!(path, "/live" | "/ready" | "/metrics") {
            return json_static(StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#);
        }
        if request.method() != Method::GET {
            let mut refused = json_static(
                StatusCode::METHOD_NOT_ALLOWED,
                r#"{"detail":"Method Not Allowed"}"#,
            );
            refused
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET"));
            return refused;
        }
        match path {
            "/live" => json_static(StatusCode::OK, r#"{"status":"alive"}"#),
            "/ready" => self.ready(),
            _ => with_type(
                StatusCode::OK,
                metrics::exposition::CONTENT_TYPE,
                metrics::render(),
            ),
        }
    }
}
