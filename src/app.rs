//! The application: what the seed's `app/main.py` builds with `app = FastAPI()`,
//! `app.add_middleware(CORSMiddleware, ...)` and `app.include_router(users.router)`.
//!
//! [`UsersApp::call`] is the whole per-request path above the route functions, in the
//! order it runs: match the route (once: [`router::match_path`]), start the request's
//! metrics with it ([`request_metrics`], the instrumentator's middleware), refuse what
//! uvicorn's h11 would have refused ([`http_conformance`]), answer a CORS preflight
//! ([`cors`]), dispatch to the route function ([`router::dispatch`]), turn an error
//! into `{"detail": ...}`, and add the CORS headers. Starlette stacks middleware as
//! layers, each wrapping the next app; here they are plain calls in one function, so
//! the order is the order of the lines.
//!
//! Inside, top to bottom: [`request_metrics`], [`http_conformance`], [`cors`] →
//! [`router`].

pub mod cors;
pub mod http_conformance;
pub mod request_metrics;
pub mod router;

use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::http::response::Body;
use crate::percent_decoding::percent_decode;
use crate::server;
use crate::services::user_service::UserService;
use request_metrics::RequestMetrics;

/// The application, for [`server::run`] to call once per request. `#[derive(Clone)]`:
/// the server gives each request its own copy, which shares everything inside. Cloning a
/// handle copies pointers and channel ends, not data: every Python name for one object.
#[derive(Clone)]
pub struct UsersApp {
    /// What FastAPI's `Depends` would hand each route: here, the service, passed to
    /// the route functions as an argument.
    users: UserService,
    /// prometheus-fastapi-instrumentator's part: requests by route template.
    metrics: RequestMetrics,
}

impl UsersApp {
    /// The app over the users service `main` started: FastAPI's `app = FastAPI()` and
    /// `app.include_router(users.router)`.
    pub fn new(users: UserService) -> UsersApp {
        UsersApp {
            users,
            metrics: RequestMetrics::new(),
        }
    }
}

impl server::App for UsersApp {
    const LISTENER: &'static str = "api";

    async fn call(self, request: Request<Incoming>) -> Response<Body> {
        // A counted reference to the bytes hyper parsed, not a copy: the matched route
        // borrows from it while `request` itself moves on to the route function.
        let uri = request.uri().clone();
        let path = percent_decode(uri.path());
        let route = router::match_path(&path);
        let measurement = self.metrics.start(route, request.method());
        // `if let`: a `match` with one arm; its `else` takes every other shape (Python:
        // `if (refused := refusal(request)) is not None:`).
        let response = if let Some(refused) = http_conformance::refusal(&request) {
            refused
        } else if let Some(preflight) = cors::preflight(request.method(), request.headers()) {
            preflight
        } else {
            let cors_origin = cors::origin_of(request.headers());
            let mut response = match router::dispatch(request, route, &self.users).await {
                Ok(response) => response,
                Err(error) => error.into_response(),
            };
            cors::add_headers(&cors_origin, &mut response);
            response
        };
        measurement.finish(response.status());
        response
    }
}
