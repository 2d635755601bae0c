//! CORS, as the seed configures Starlette's `CORSMiddleware`:
//! `allow_origins=["*"], allow_methods=["*"], allow_headers=["*"]`.
//!
//! A browser on another origin first sends a *preflight* (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`); the middleware answers it itself, before routing,
//! with 200 `OK` and the `Access-Control-Allow-*` headers, or 400 `Disallowed CORS ...`
//! naming what it refuses. Every other request goes through the app, and its response
//! gets `Vary: Origin` (always: Starlette 1.x adds it whether or not the request had an
//! `Origin`) and, when there was an `Origin`, `Access-Control-Allow-Origin: *`. With
//! `allow_credentials` off, cookies change nothing. (starlette/middleware/cors.py.)

use hyper::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    HeaderMap, HeaderValue, ORIGIN, VARY,
};
use hyper::{Method, Response, StatusCode};

use crate::http::response::{Body, text};

/// What `allow_methods=["*"]` expands to in Starlette 1.10 (`ALL_METHODS`, QUERY
/// included), compared case-sensitively with the requested method.
const ALLOWED_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY";

/// Starlette's default `max_age`, in seconds.
const MAX_AGE: &str = "600";

/// The `Vary` of every preflight answer: the request headers it depends on.
const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, \
    Access-Control-Request-Headers, Access-Control-Request-Private-Network";

/// Asked for by Chrome before a public page calls a private address; the seed leaves
/// `allow_private_network` off, so such a preflight is refused.
const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";

/// The preflight response, if this request is a preflight.
pub fn preflight(method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
    if method != Method::OPTIONS || !headers.contains_key(ORIGIN) {
        return None;
    }
    let requested_method = headers.get(ACCESS_CONTROL_REQUEST_METHOD)?;
    let method_allowed = ALLOWED_METHODS
        .split(", ")
        .any(|m| requested_method.as_bytes() == m.as_bytes());
    let private_network = headers.contains_key(REQUEST_PRIVATE_NETWORK);
    let mut response = match (method_allowed, private_network) {
        (true, false) => text(StatusCode::OK, "OK"),
        (false, false) => text(StatusCode::BAD_REQUEST, "Disallowed CORS method"),
        (true, true) => text(StatusCode::BAD_REQUEST, "Disallowed CORS private-network"),
        (false, true) => text(
            StatusCode::BAD_REQUEST,
            "Disallowed CORS method, private-network",
        ),
    };
    let out = response.headers_mut();
    out.insert(VARY, HeaderValue::from_static(PREFLIGHT_VARY));
    out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    out.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    // allow_headers=["*"]: whatever the browser asks for is allowed, so echo it.
    if let Some(requested) = headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        out.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    Some(response)
}

/// The CORS fact of a request that its response needs, kept before the request is
/// handed to a route (which may consume it): whether it named an origin.
pub struct CorsOrigin {
    has_origin: bool,
}

/// Read from the request's headers before routing.
pub fn origin_of(request_headers: &HeaderMap) -> CorsOrigin {
    CorsOrigin {
        has_origin: request_headers.contains_key(ORIGIN),
    }
}

/// Adds the simple-response headers: `Access-Control-Allow-Origin: *` for a
/// cross-origin request, and `Origin` appended to `Vary` on every response.
pub fn add_headers(cors: &CorsOrigin, response: &mut Response<Body>) {
    let out = response.headers_mut();
    if cors.has_origin {
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    out.append(VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn a_preflight_is_answered_with_starlettes_headers() {
        let request = headers(&[
            ("origin", "http://example.com"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type,x-token"),
        ]);
        let response = preflight(&Method::OPTIONS, &request).unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers();
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], ALLOWED_METHODS);
        assert_eq!(h[ACCESS_CONTROL_MAX_AGE], "600");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_HEADERS], "content-type,x-token");
        assert_eq!(h[VARY], PREFLIGHT_VARY);
    }

    #[test]
    fn query_is_allowed_and_private_network_refused_like_starlette_1_10() {
        let mut request = headers(&[
            ("origin", "http://example.com"),
            ("access-control-request-method", "QUERY"),
        ]);
        let response = preflight(&Method::OPTIONS, &request).unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()[ACCESS_CONTROL_ALLOW_METHODS]
                .to_str()
                .unwrap()
                .ends_with("PUT, QUERY")
        );
        request.insert(REQUEST_PRIVATE_NETWORK, HeaderValue::from_static("true"));
        let response = preflight(&Method::OPTIONS, &request).unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn every_response_varies_on_origin_and_cookies_change_nothing() {
        let mut response = text(StatusCode::OK, "x");
        add_headers(&origin_of(&HeaderMap::new()), &mut response);
        assert_eq!(response.headers()[VARY], "Origin");
        assert!(!response.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
        let mut response = text(StatusCode::OK, "x");
        let request = headers(&[("origin", "http://a.example"), ("cookie", "a=b")]);
        add_headers(&origin_of(&request), &mut response);
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }

    #[test]
    fn options_without_the_preflight_headers_is_routed_normally() {
        let request = headers(&[("origin", "http://example.com")]);
        assert!(preflight(&Method::OPTIONS, &request).is_none());
        let request = headers(&[("access-control-request-method", "GET")]);
        assert!(preflight(&Method::OPTIONS, &request).is_none());
    }

    #[test]
    fn an_unknown_method_is_refused() {
        let request = headers(&[
            ("origin", "http://example.com"),
            ("access-control-request-method", "TRACE"),
        ]);
        let response = preflight(&Method::OPTIONS, &request).unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}
