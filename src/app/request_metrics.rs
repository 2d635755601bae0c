//! Per-request metrics of the users API: what prometheus-fastapi-instrumentator's
//! middleware does (`Instrumentator().instrument(app)`).
//!
//! The instrumentator asks Starlette which route matched and labels the request with
//! that route's *template* (`/users/{user_id}`), so that a million user ids make one
//! series, not a million; unmatched paths share one label. Here the app hands over the
//! route it matched (once per request, for both this and the dispatch), and the
//! counters of every template are looked up once, when the app is built: per request,
//! recording is an index and a few atomic additions ([`metrics::http`]). The server
//! (uvicorn) does not do this because only the app knows its routes.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use hyper::{Method, StatusCode};

use super::router::{ROUTES, Route};
use crate::metrics;
use crate::metrics::http::RouteMetrics;

/// The `route` label of every path the router does not know.
pub const UNMATCHED: &str = "other";

/// The counters of each route template, in the order of [`ROUTES`], then
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
            let templates = ROUTES.iter().map(|declared| declared.template());
            let templates = templates.chain([UNMATCHED]);
            templates.map(metrics::http::route).collect()
        });
        RequestMetrics { routes }
    }

    /// Starts measuring a request for `route` (`None`: no path matched).
    pub fn start(&self, route: Option<Route<'_>>, method: &Method) -> Measurement {
        let index = route.map_or(ROUTES.len(), |route| route.declared.name as usize);
        Measurement {
            route: &self.routes[index],
            method: method.clone(),
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
