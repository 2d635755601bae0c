//! Routing: from `(method, path)` to the route function, as Starlette's router does.
//!
//! FastAPI collects `@app.get("/")`, `@router.post("/")` (prefix `/users`) and
//! `@router.get("/{user_id}")` into a route table. For each request Starlette decodes the
//! path, tries each route's pattern, answers 404 `{"detail":"Not Found"}` when no path
//! matches and 405 `{"detail":"Method Not Allowed"}` when the path matches but the
//! method does not, and redirects `/users` to `/users/` (307). Here the table is one
//! `match`, both spellings of a path are served directly (no redirect hop), and the
//! `{user_id}` segment is handed to the route as text to validate. The CORS middleware
//! wraps it all, as `app.add_middleware` does.
//!
//! FastAPI also adds routes of its own, `/openapi.json`, `/docs`, `/docs/oauth2-redirect`
//! and `/redoc`; here they are ordinary rows of the table ([`crate::api_docs`]). They are
//! Starlette `Route`s, which answer HEAD wherever they answer GET; FastAPI's own
//! `@app.get` routes do not. The table is [`Route::endpoint`], and [`operations`] reads
//! it back so a test can hold the OpenAPI document to it.

use hyper::body::Incoming;
use hyper::{Method, Request, Response};

use crate::api_docs;
use crate::cors;
use crate::error::ApiError;
use crate::http_conformance;
use crate::percent_decoding::percent_decode;
use crate::response::Body;
use crate::routes::{health, users};
use crate::services::user_service::UserService;

/// The paths this API has. `User` carries the raw `{user_id}` segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route<'a> {
    Health,
    Users,
    User(&'a str),
    OpenApi,
    Docs,
    Redoc,
    OAuth2Redirect,
}

/// What a request asks for once method and path are both known: one per route function.
#[derive(Debug, PartialEq)]
pub enum Endpoint<'a> {
    HealthCheck,
    GetUsers,
    CreateUser,
    GetUser(&'a str),
    OpenApi,
    DocsPage,
    OAuth2Redirect,
}

/// Methods a client may send; the ones a path does not answer get a 405.
const METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
    Method::TRACE,
    Method::CONNECT,
];

impl<'a> Route<'a> {
    /// Every path, with its parameter written as OpenAPI writes it. Add new paths here
    /// too: the test that compares routes with the OpenAPI document walks this list.
    pub const ALL: [Route<'static>; 7] = [
        Route::Health,
        Route::Users,
        Route::User("{user_id}"),
        Route::OpenApi,
        Route::Docs,
        Route::Redoc,
        Route::OAuth2Redirect,
    ];

    /// The route table: which function answers `method` on this path, if any.
    pub fn endpoint(self, method: &Method) -> Option<Endpoint<'a>> {
        Some(match (method, self) {
            (&Method::GET, Route::Health) => Endpoint::HealthCheck,
            (&Method::GET, Route::Users) => Endpoint::GetUsers,
            (&Method::POST, Route::Users) => Endpoint::CreateUser,
            (&Method::GET, Route::User(user_id)) => Endpoint::GetUser(user_id),
            (&Method::GET | &Method::HEAD, Route::OpenApi) => Endpoint::OpenApi,
            // ReDoc loads from a CDN; our offline page documents the same API.
            (&Method::GET | &Method::HEAD, Route::Docs | Route::Redoc) => Endpoint::DocsPage,
            (&Method::GET | &Method::HEAD, Route::OAuth2Redirect) => Endpoint::OAuth2Redirect,
            _ => return None,
        })
    }

    /// The `Allow` header of a 405, as Starlette writes it: the methods of the *first*
    /// route whose path matched. FastAPI registers `POST /users/` before `GET /users/`
    /// (one route per decorator), so `/users` says `POST` only. The docs routes say
    /// `GET, HEAD`; FastAPI's own GET routes have no HEAD, so HEAD `/` is a 405.
    pub fn allowed_methods(&self) -> &'static str {
        match self {
            Route::Health | Route::User(_) => "GET",
            Route::Users => "POST",
            Route::OpenApi | Route::Docs | Route::Redoc | Route::OAuth2Redirect => "GET, HEAD",
        }
    }

    /// Whether the OpenAPI document lists this path: FastAPI leaves out its
    /// `/docs/oauth2-redirect` and `/redoc` helpers.
    pub fn in_schema(&self) -> bool {
        !matches!(self, Route::Redoc | Route::OAuth2Redirect)
    }

    /// The path of this route, without a trailing slash.
    pub fn path(&self) -> String {
        match self {
            Route::Health => "/".to_string(),
            Route::Users => "/users".to_string(),
            Route::User(user_id) => format!("/users/{user_id}"),
            Route::OpenApi => "/openapi.json".to_string(),
            Route::Docs => "/docs".to_string(),
            Route::Redoc => "/redoc".to_string(),
            Route::OAuth2Redirect => "/docs/oauth2-redirect".to_string(),
        }
    }
}

/// Every `(method, path)` the router answers, read from the route table itself; the
/// OpenAPI document must list exactly these (HEAD, implied by GET, is not listed).
pub fn operations() -> Vec<(Method, String)> {
    Route::ALL
        .iter()
        .filter(|route| route.in_schema())
        .flat_map(|route| {
            METHODS
                .iter()
                .filter(|method| **method != Method::HEAD && route.endpoint(method).is_some())
                .map(|method| (method.clone(), route.path()))
        })
        .collect()
}

/// Handles one request: CORS, routing, the route function, errors to responses.
pub async fn handle(request: Request<Incoming>, service: &UserService) -> Response<Body> {
    if let Some(refused) = http_conformance::refusal(&request) {
        return refused;
    }
    if let Some(preflight) = cors::preflight(request.method(), request.headers()) {
        return preflight;
    }
    let cors_origin = cors::origin_of(request.headers());
    let mut response = match dispatch(request, service).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    cors::add_headers(&cors_origin, &mut response);
    response
}

/// Path to route (404 if none), route and method to endpoint (405 if none), then the
/// route function.
async fn dispatch(
    request: Request<Incoming>,
    service: &UserService,
) -> Result<Response<Body>, ApiError> {
    let path = percent_decode(request.uri().path());
    let route = match_path(&path).ok_or(ApiError::NotFound("Not Found"))?;
    let endpoint = route
        .endpoint(request.method())
        .ok_or(ApiError::MethodNotAllowed {
            allow: route.allowed_methods(),
        })?;
    match endpoint {
        Endpoint::HealthCheck => Ok(health::health_check()),
        Endpoint::GetUsers => users::get_users(service, request.uri().query()).await,
        Endpoint::CreateUser => users::create_user(service, request).await,
        Endpoint::GetUser(user_id) => users::get_user(service, user_id).await,
        Endpoint::OpenApi => Ok(api_docs::openapi_json()),
        Endpoint::DocsPage => Ok(api_docs::docs_page()),
        Endpoint::OAuth2Redirect => Ok(api_docs::oauth2_redirect_page()),
    }
}

/// Matches a decoded path, serving directly what Starlette's `redirect_slashes` would
/// redirect: a path without its trailing slash gets one added (`/users` → `/users/`),
/// a path with trailing slashes loses them *all* (`/users/1//` → `/users/1`), and the
/// result must be a route. So `/users//` (→ `/users`, not a route) and `//` match
/// nothing. An empty `{user_id}` segment matches nothing, as Starlette's `[^/]+`.
pub fn match_path(path: &str) -> Option<Route<'_>> {
    // Starlette matches with Python's `re`, whose `$` also matches before a final
    // newline: `/users/%0A` is `/users/`. Only the paths declared without a parameter
    // are affected (a `{user_id}` segment takes the newline in).
    let path = match path.strip_suffix('\n') {
        Some(declared @ ("/" | "/users/" | "/openapi.json" | "/docs" | "/redoc")) => declared,
        Some("/docs/oauth2-redirect") => "/docs/oauth2-redirect",
        _ => path,
    };
    if path == "/users/" {
        return Some(Route::Users);
    }
    let rest = path.strip_prefix('/')?;
    let trimmed = rest.trim_end_matches('/');
    let route = match_segments(trimmed);
    if trimmed.len() == rest.len() {
        return route;
    }
    // Trailing slashes were cut: only routes declared without one can be reached.
    route.filter(|route| !matches!(route, Route::Users | Route::Health))
}

fn match_segments(path: &str) -> Option<Route<'_>> {
    if path.is_empty() {
        return Some(Route::Health);
    }
    let mut segments = path.split('/');
    let route = match (segments.next(), segments.next()) {
        (Some("users"), None) => Route::Users,
        (Some("users"), Some(user_id)) if !user_id.is_empty() => Route::User(user_id),
        (Some("openapi.json"), None) => Route::OpenApi,
        (Some("docs"), None) => Route::Docs,
        (Some("docs"), Some("oauth2-redirect")) => Route::OAuth2Redirect,
        (Some("redoc"), None) => Route::Redoc,
        _ => return None,
    };
    segments.next().is_none().then_some(route)
}

#[cfg(test)]
mod tests;
