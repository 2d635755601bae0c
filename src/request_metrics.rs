//! Per-request metrics of the users API: what prometheus-fastapi-instrumentator's
//! middleware does (`Instrumentator().instrument(app)`).
//!
//! The instrumentator asks Starlette which route matched and labels the request with
//! that route's *template* (`/users/{user_id}`), so that a million user ids make one
//! series, not a million; unmatched paths share one label. Here the router's own table
//! ([`Route::ALL`], [`match_path`]) names the template, and the counters of every
//! template are looked up once, when the app is built: per request, recording is a path
//! match and a few atomic additions ([`metrics::http`]). The server (uvicorn) does not
//! do this because only the app knows its routes.

use std::mem::discriminant;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

use crate::metrics;
use crate::metrics::http::RouteMetrics;
use crate::percent_decoding::percent_decode;
use crate::router::{Route, match_path};

/// The `route` label of every path the router does not know.
pub const UNMATCHED: &str = "other";

/// The counters of each route template, in the order of [`Route::ALL`], then
/// [`UNMATCHED`]. Cheap to copy.
#[derive(Clone, Copy)]
pub struct RequestMetrics {
    routes: &'static [Arc<RouteMetrics>],
}

/// One request being measured.
pub struct Measurement {
    route: &'static RouteMetrics,
    method: Method,
    started: Instant,
}

impl RequestMetrics {
    /// Registers the router's templates (once per process; later calls find them).
    pub fn new() -> RequestMetrics {
        static TABLE: OnceLock<Vec<Arc<RouteMetrics>>> = OnceLock::new();
        let routes = TABLE.get_or_init(|| {
            let templates = Route::ALL.iter().map(Route::path);
            let templates = templates.chain([UNMATCHED.to_string()]);
            templates.map(|t| metrics::http::route(&t)).collect()
        });
        RequestMetrics { routes }
    }

    /// Starts measuring `request`, labelled with the template its path matches.
    pub fn start(&self, request: &Request<Incoming>) -> Measurement {
        let path = percent_decode(request.uri().path());
        let index = match_path(&path).and_then(|route| {
            Route::ALL
                .iter()
                .position(|known| discriminant(known) == discriminant(&route))
        });
        Measurement {
            route: &self.routes[index.unwrap_or(Route::ALL.len())],
            method: request.method().clone(),
            started: Instant::now(),
        }
    }
}

impl Default for RequestMetrics {
    fn default() -> Self {
        RequestMetrics::new()
    }
}

impl Measurement {
    /// Records the request as answered with `status` now (when its response head is
    /// ready; a streamed body may still be on its way, as with the instrumentator).
    pub fn finish(self, status: StatusCode) {
        self.route
            .record(&self.method, status, self.started.elapsed());
    }
}
