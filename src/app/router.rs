//! Routing: from `(method, path)` to the route function, as Starlette's router does.
//!
//! FastAPI collects `@app.get("/")`, `@router.post("/")` (on `APIRouter(prefix="/users")`,
//! which `app.include_router(users.router)` adds) and `@router.get("/{user_id}")` into a
//! route table. For each
//! request Starlette tries each route's pattern against the decoded path, answers 404
//! `{"detail":"Not Found"}` when no path matches and 405 `{"detail":"Method Not
//! Allowed"}` when the path matches but the method does not, and redirects `/users` to
//! `/users/` (307). Here the table is [`ROUTES`], one row per declared path, matched by
//! [`match_path`]; both spellings of a path are served directly (no redirect hop), and
//! the `{user_id}` segment is handed to the route as text to validate. [`dispatch`] is
//! the one `match` from method and route to route function.
//!
//! FastAPI also adds routes of its own, `/openapi.json`, `/docs`, `/docs/oauth2-redirect`
//! and `/redoc`; here they are ordinary rows ([`crate::api_docs`]). They are Starlette
//! `Route`s, which answer HEAD wherever they answer GET; FastAPI's own `@app.get`
//! routes do not. `router/tests.rs` reads the table back and holds the OpenAPI
//! document to it.

use hyper::body::Incoming;
use hyper::{Method, Request, Response};

use crate::api_docs;
use crate::http::error::ApiError;
use crate::http::response::Body;
use crate::routes::{health, users};
use crate::services::user_service::UserService;

/// The paths this API has, in the order of [`ROUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteName {
    Health,
    Users,
    User,
    OpenApi,
    Docs,
    Redoc,
    OAuth2Redirect,
}

/// One row of the route table: a path as FastAPI declares it, and what its 405 says.
#[derive(Debug, PartialEq, Eq)]
pub struct Declared {
    pub name: RouteName,
    /// The path as declared; a `{...}` segment matches any non-empty segment.
    pub path: &'static str,
    /// The `Allow` header of a 405, as Starlette writes it: the methods of the *first*
    /// route whose path matched. FastAPI registers `POST /users/` before `GET /users/`
    /// (one route per decorator), so `/users` says `POST` only; FastAPI's own GET
    /// routes have no HEAD, so HEAD `/` is a 405.
    pub allow: &'static str,
    /// Whether the OpenAPI document lists it: FastAPI leaves out its
    /// `/docs/oauth2-redirect` and `/redoc` helpers.
    pub in_schema: bool,
}

/// The route table. Add a path here, to [`RouteName`] and to [`dispatch`]; the tests
/// check the order and hold the OpenAPI document to it. `[Declared; 7]`: exactly seven
/// rows, the length part of the type; `const fn declared` runs while compiling.
pub const ROUTES: [Declared; 7] = [
    declared(RouteName::Health, "/", "GET", true),
    declared(RouteName::Users, "/users/", "POST", true),
    declared(RouteName::User, "/users/{user_id}", "GET", true),
    declared(RouteName::OpenApi, "/openapi.json", "GET, HEAD", true),
    declared(RouteName::Docs, "/docs", "GET, HEAD", true),
    declared(RouteName::Redoc, "/redoc", "GET, HEAD", false),
    declared(
        RouteName::OAuth2Redirect,
        "/docs/oauth2-redirect",
        "GET, HEAD",
        false,
    ),
];

const fn declared(
    name: RouteName,
    path: &'static str,
    allow: &'static str,
    in_schema: bool,
) -> Declared {
    Declared {
        name,
        path,
        allow,
        in_schema,
    }
}

/// A request's path, matched: its row of the table and the text of its `{user_id}`
/// segment, if it has one (borrowed from the path, not copied). `<'a>` names that
/// borrow, so no `Route` outlives its path (Python would keep the string alive);
/// `&'static` borrows from the table, which lives as long as the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route<'a> {
    pub declared: &'static Declared,
    pub user_id: &'a str,
}

impl Route<'_> {
    /// The path template without a trailing slash (`/users`, `/users/{user_id}`): the
    /// OpenAPI document's key and the `route` label of the metrics.
    pub fn template(&self) -> &'static str {
        self.declared.template()
    }
}

impl Declared {
    /// See [`Route::template`].
    pub fn template(&self) -> &'static str {
        match self.path.trim_end_matches('/') {
            "" => "/",
            trimmed => trimmed,
        }
    }
}

/// Matches a decoded path, serving directly what Starlette's `redirect_slashes` would
/// redirect: a path without its trailing slash gets one added (`/users` → `/users/`),
/// a path with trailing slashes loses them *all* (`/users/1//` → `/users/1`), and the
/// result must be a route. So `/users//` (→ `/users`, not a route) and `//` match
/// nothing. An empty `{user_id}` segment matches nothing, as Starlette's `[^/]+`.
/// `Route<'_>`: the route borrows from `path`, for as long as the compiler infers.
pub fn match_path(path: &str) -> Option<Route<'_>> {
    if let Some(route) = python_dollar_quirk(path) {
        return Some(route);
    }
    if let Some(route) = match_declared(path) {
        return Some(route);
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len() {
        // `/users` → `/users/`. Only `Users` is declared with a slash, and it has no
        // parameter, so the added slash never ends up inside a borrowed segment.
        return ROUTES
            .iter()
            .find(|row| row.path.strip_suffix('/') == Some(path) && path.starts_with('/'))
            .map(|declared| Route {
                declared,
                user_id: "",
            });
    }
    match_declared(trimmed)
}

/// Starlette matches with Python's `re`, whose `$` also matches before a final
/// newline: `/users/%0A` is `/users/`. Only paths declared without a parameter are
/// affected (a `{user_id}` segment takes the newline in).
fn python_dollar_quirk(path: &str) -> Option<Route<'_>> {
    let without = path.strip_suffix('\n')?;
    ROUTES
        .iter()
        .find(|row| !row.path.contains('{') && row.path == without)
        .map(|declared| Route {
            declared,
            user_id: "",
        })
}

/// The first row whose declared path matches `path` exactly, segment by segment.
fn match_declared(path: &str) -> Option<Route<'_>> {
    ROUTES.iter().find_map(|declared| {
        let mut user_id = "";
        let mut wanted = declared.path.split('/');
        let mut given = path.split('/');
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return Some(Route { declared, user_id }),
                (Some(parameter), Some(segment))
                    if parameter.starts_with('{') && !segment.is_empty() =>
                {
                    user_id = segment;
                }
                (Some(literal), Some(segment)) if literal == segment => {}
                _ => return None,
            }
        }
    })
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

/// Which function answers `method` on `route`, if any.
pub fn endpoint<'a>(method: &Method, route: Route<'a>) -> Option<Endpoint<'a>> {
    use RouteName::*;
    Some(match (method, route.declared.name) {
        (&Method::GET, Health) => Endpoint::HealthCheck,
        (&Method::GET, Users) => Endpoint::GetUsers,
        (&Method::POST, Users) => Endpoint::CreateUser,
        (&Method::GET, User) => Endpoint::GetUser(route.user_id),
        (&Method::GET | &Method::HEAD, OpenApi) => Endpoint::OpenApi,
        // ReDoc loads from a CDN; our offline page documents the same API.
        (&Method::GET | &Method::HEAD, Docs | Redoc) => Endpoint::DocsPage,
        (&Method::GET | &Method::HEAD, OAuth2Redirect) => Endpoint::OAuth2Redirect,
        _ => return None,
    })
}

/// The route (404 if no path matched), the endpoint (405 if the method does not fit),
/// then the route function.
pub async fn dispatch(
    request: Request<Incoming>,
    route: Option<Route<'_>>,
    service: &UserService,
) -> Result<Response<Body>, ApiError> {
    let route = route.ok_or(ApiError::NotFound("Not Found"))?;
    let endpoint = endpoint(request.method(), route).ok_or(ApiError::MethodNotAllowed {
        allow: route.declared.allow,
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

// Unit tests in `router/tests.rs`, built by `cargo test` only; they see private items.
#[cfg(test)]
mod tests;
