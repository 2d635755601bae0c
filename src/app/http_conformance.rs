//! What h11 refuses: requests uvicorn answers with a 400 before the app sees them.
//!
//! The seed's server is uvicorn on h11, a strict HTTP/1.1 parser. hyper is strict too,
//! and answers most malformed requests itself (an empty 400) before any code of ours
//! runs; this file holds the few refusals h11 makes that hyper leaves to the
//! application: an HTTP/1.1 request without exactly one `Host` header, bytes outside
//! ASCII in the request target, and a `Transfer-Encoding` other than plain `chunked`
//! (hyper accepts `gzip, chunked`). The answer is uvicorn's, byte for byte: 400,
//! `text/plain; charset=utf-8`, `Invalid HTTP request received.`, and the connection
//! closed after it.

use hyper::header::{CONNECTION, HOST, HeaderValue, TRANSFER_ENCODING};
use hyper::{Request, Response, StatusCode, Version};

use crate::http::response::{Body, text};

/// uvicorn's 400 for a request h11 could not accept, if this is one.
pub fn refusal<B>(request: &Request<B>) -> Option<Response<Body>> {
    if is_acceptable(request) {
        return None;
    }
    let mut response = text(StatusCode::BAD_REQUEST, "Invalid HTTP request received.");
    let close = HeaderValue::from_static("close");
    response.headers_mut().insert(CONNECTION, close);
    Some(response)
}

fn is_acceptable<B>(request: &Request<B>) -> bool {
    let hosts = request.headers().get_all(HOST).iter().count();
    // h11: "Missing mandatory Host: header" (HTTP/1.1) and "Found multiple Host: headers".
    let host_ok = match request.version() {
        Version::HTTP_11 => hosts == 1,
        _ => hosts <= 1,
    };
    // h11's request-target is ASCII; hyper lets bytes >= 0x80 through in the path.
    let target_ok = request
        .uri()
        .path_and_query()
        .is_none_or(|target| target.as_str().is_ascii());
    host_ok && target_ok && transfer_coding_ok(request)
}

/// h11 supports exactly one transfer coding, `chunked` (any case, spaces around it).
fn transfer_coding_ok<B>(request: &Request<B>) -> bool {
    let mut codings = request
        .headers()
        .get_all(TRANSFER_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|b| *b == b','));
    match (codings.next(), codings.next()) {
        (None, _) => true,
        (Some(only), None) => only.trim_ascii().eq_ignore_ascii_case(b"chunked"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(version: Version, headers: &[(&str, &str)], target: &str) -> Request<()> {
        let mut builder = Request::builder().version(version).uri(target);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn host_must_be_there_once_on_http_1_1() {
        let v11 = Version::HTTP_11;
        assert!(refusal(&request(v11, &[("host", "a")], "/")).is_none());
        assert!(refusal(&request(v11, &[], "/")).is_some());
        assert!(refusal(&request(v11, &[("host", "a"), ("host", "b")], "/")).is_some());
        assert!(refusal(&request(Version::HTTP_10, &[], "/")).is_none());
    }

    #[test]
    fn only_plain_chunked_is_a_transfer_coding() {
        let v11 = Version::HTTP_11;
        for ok in ["chunked", " Chunked "] {
            let r = request(v11, &[("host", "a"), ("transfer-encoding", ok)], "/");
            assert!(refusal(&r).is_none(), "{ok}");
        }
        for bad in ["gzip, chunked", "identity", "chunked, chunked"] {
            let r = request(v11, &[("host", "a"), ("transfer-encoding", bad)], "/");
            let response = refusal(&r).expect(bad);
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            assert_eq!(response.headers()[CONNECTION], "close");
        }
    }

    #[test]
    fn a_target_outside_ascii_is_refused() {
        let mut r = request(Version::HTTP_11, &[("host", "a")], "/users/1");
        assert!(refusal(&r).is_none());
        *r.uri_mut() = hyper::Uri::from_maybe_shared(&b"/users/\xc3\xa9"[..]).unwrap();
        assert!(refusal(&r).is_some());
    }
}
