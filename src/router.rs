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

use std::borrow::Cow;

use hyper::body::Incoming;
use hyper::{Method, Request, Response};

use crate::cors;
use crate::error::ApiError;
use crate::response::Body;
use crate::routes::{health, users};
use crate::services::user_service::UserService;

/// The paths this API has. `User` carries the raw `{user_id}` segment.
#[derive(Debug, PartialEq)]
pub enum Route<'a> {
    Health,
    Users,
    User(&'a str),
}

impl Route<'_> {
    /// The `Allow` header of a 405: the methods this path answers. (The reference has no
    /// HEAD routes, so HEAD is a 405 there and here.)
    pub fn allowed_methods(&self) -> &'static str {
        match self {
            Route::Health | Route::User(_) => "GET",
            Route::Users => "GET, POST",
        }
    }
}

/// Handles one request: CORS, routing, the route function, errors to responses.
pub async fn handle(request: Request<Incoming>, service: &UserService) -> Response<Body> {
    if let Some(preflight) = cors::preflight(request.method(), request.headers()) {
        return preflight;
    }
    let cors_origin = cors::origin_of(request.headers());
    let mut response = match dispatch(request, service).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    if let Some(cors_origin) = &cors_origin {
        cors::add_headers(cors_origin, &mut response);
    }
    response
}

/// The route table.
async fn dispatch(
    request: Request<Incoming>,
    service: &UserService,
) -> Result<Response<Body>, ApiError> {
    let path = percent_decode(request.uri().path());
    let route = match_path(&path).ok_or(ApiError::NotFound("Not Found"))?;
    match (request.method(), route) {
        (&Method::GET, Route::Health) => Ok(health::health_check()),
        (&Method::GET, Route::Users) => users::get_users(service).await,
        (&Method::POST, Route::Users) => users::create_user(service, request).await,
        (&Method::GET, Route::User(user_id)) => users::get_user(service, user_id).await,
        (_, route) => Err(ApiError::MethodNotAllowed {
            allow: route.allowed_methods(),
        }),
    }
}

/// Matches a decoded path. One trailing slash is optional everywhere; an empty
/// `{user_id}` segment matches nothing, as Starlette's `[^/]+` does not.
pub fn match_path(path: &str) -> Option<Route<'_>> {
    let path = path.strip_prefix('/')?;
    // `/users/` is `/users`, but `//` is not `/`: only a slash after a segment goes.
    let path = match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    };
    let mut segments = path.split('/');
    let route = match (segments.next(), segments.next()) {
        (Some(""), None) => Route::Health,
        (Some("users"), None) => Route::Users,
        (Some("users"), Some(user_id)) if !user_id.is_empty() => Route::User(user_id),
        _ => return None,
    };
    segments.next().is_none().then_some(route)
}

/// `%XX` escapes to bytes, then to text (invalid UTF-8 becomes U+FFFD), like the path
/// uvicorn puts in the ASGI scope. `%2F` becomes a `/` and so splits segments, as it
/// does in Starlette.
pub fn percent_decode(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return Cow::Borrowed(path);
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes.get(i + 1..i + 3).and_then(|hex| {
            let hex = std::str::from_utf8(hex).ok()?;
            u8::from_str_radix(hex, 16).ok()
        });
        match (bytes[i], escaped) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_with_or_without_a_trailing_slash() {
        assert_eq!(match_path("/"), Some(Route::Health));
        assert_eq!(match_path("/users"), Some(Route::Users));
        assert_eq!(match_path("/users/"), Some(Route::Users));
        assert_eq!(match_path("/users/7"), Some(Route::User("7")));
        assert_eq!(match_path("/users/7/"), Some(Route::User("7")));
        assert_eq!(match_path("/users/abc"), Some(Route::User("abc")));
    }

    #[test]
    fn other_paths_match_nothing() {
        for path in [
            "/nope",
            "/users/1/2",
            "/users//",
            "/users/1//",
            "//",
            "/userss",
            "",
            "/usersx/1",
        ] {
            assert_eq!(match_path(path), None, "{path:?}");
        }
    }

    #[test]
    fn percent_escapes_are_decoded_before_matching() {
        assert_eq!(percent_decode("/users/%31"), "/users/1");
        assert_eq!(match_path(&percent_decode("/users/1%2F2")), None);
        assert_eq!(percent_decode("/users/%00"), "/users/\0");
        assert_eq!(percent_decode("/bad%zz%4"), "/bad%zz%4");
        assert_eq!(percent_decode("/%ff"), "/\u{fffd}");
    }

    #[test]
    fn allow_lists_the_methods_of_each_path() {
        assert_eq!(Route::Users.allowed_methods(), "GET, POST");
        assert_eq!(Route::User("1").allowed_methods(), "GET");
    }
}
