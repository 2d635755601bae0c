//! CORS, as the seed configures Starlette's `CORSMiddleware`:
//! `allow_origins=["*"], allow_methods=["*"], allow_headers=["*"]`.
//!
//! A browser on another origin first sends a *preflight* (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`); the middleware answers it itself, before routing,
//! with 200 `OK` and the `Access-Control-Allow-*` headers. Every other request that
//! carries an `Origin` goes through the app and gets `Access-Control-Allow-Origin: *`
//! added to its response. Requests without `Origin` are not touched.

use hyper::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, COOKIE,
    HeaderMap, HeaderValue, ORIGIN, VARY,
};
use hyper::{Method, Response, StatusCode};

use crate::response::{Body, text};

/// What `allow_methods=["*"]` expands to in Starlette.
const ALLOWED_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";

/// Starlette's default `max_age`, in seconds.
const MAX_AGE: &str = "600";

/// The preflight response, if this request is a preflight.
pub fn preflight(method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
    if method != Method::OPTIONS || !headers.contains_key(ORIGIN) {
        return None;
    }
    let requested_method = headers.get(ACCESS_CONTROL_REQUEST_METHOD)?;
    let method_allowed = ALLOWED_METHODS
        .split(", ")
        .any(|m| requested_method.as_bytes() == m.as_bytes());
    let mut response = if method_allowed {
        text(StatusCode::OK, "OK")
    } else {
        text(StatusCode::BAD_REQUEST, "Disallowed CORS method")
    };
    let out = response.headers_mut();
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

/// The CORS facts of a request that its response needs, kept before the request is
/// handed to a route (which may consume it).
pub struct CorsOrigin {
    origin: HeaderValue,
    sends_cookies: bool,
}

/// `Some` when the request came from a browser page on some origin.
pub fn origin_of(request_headers: &HeaderMap) -> Option<CorsOrigin> {
    Some(CorsOrigin {
        origin: request_headers.get(ORIGIN)?.clone(),
        sends_cookies: request_headers.contains_key(COOKIE),
    })
}

/// Adds the simple-response headers to the response of a cross-origin request.
pub fn add_headers(cors: &CorsOrigin, response: &mut Response<Body>) {
    let out = response.headers_mut();
    // With cookies, `*` is not honoured by browsers, so Starlette echoes the origin.
    if cors.sends_cookies {
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, cors.origin.clone());
        out.append(VARY, HeaderValue::from_static("Origin"));
    } else {
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
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
