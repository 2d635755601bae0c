//! Requests that are not reasonable HTTP: too many or too large headers, a request
//! line of 100 KB, bytes that are not HTTP at all. hyper's parser answers these (431,
//! 414, 400) or closes the connection; the server must not panic or stop.

use super::assert_healthy;
use super::support::{TestApp, http};

/// The status of the server's answer to `raw`, or `None` if it closed without one.
async fn status_of(app: &TestApp, raw: &[u8]) -> Option<u16> {
    let answer = http::exchange(app.addr, raw).await;
    (!answer.is_empty()).then(|| http::parse(&answer).status)
}

#[tokio::test]
async fn thousands_of_headers_are_431() {
    let app = TestApp::spawn().await;
    let mut raw = String::from("GET / HTTP/1.1\r\nHost: t\r\n");
    for n in 0..5_000 {
        raw.push_str(&format!("X-Header-{n}: {n}\r\n"));
    }
    raw.push_str("\r\n");
    assert_eq!(status_of(&app, raw.as_bytes()).await, Some(431));
    // One header of 1 MB: larger than the server's buffer for a request head.
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert_eq!(status_of(&app, raw.as_bytes()).await, Some(431));
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_100_kb_request_line_is_414() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(100 * 1024);
    for target in [format!("/users/{long}"), format!("/users?q={long}")] {
        let raw = format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(status_of(&app, raw.as_bytes()).await, Some(414));
    }
    // A 100 KB method: hyper takes any token as an extension method, and the route has
    // no such method, so 405.
    let raw = format!("{long} / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(status_of(&app, raw.as_bytes()).await, Some(405));
    // Under hyper's URI limit (64 KB) the path reaches the router: a 404 or 422.
    let response = app.get(&format!("/users/{}", "9".repeat(60 * 1024))).await;
    assert_eq!(response.status, 422);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn garbage_instead_of_http_is_400_or_closed() {
    let app = TestApp::spawn().await;
    let tls_hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec();
    let http2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    let mut noise: Vec<u8> = (0..4096u32)
        .map(|n| (n.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    noise.extend_from_slice(b"\r\n\r\n");
    let cases: Vec<Vec<u8>> = vec![
        tls_hello,
        http2,
        noise,
        b"\0\0\0\0\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost t\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nX: \x01\x02\r\n\r\n".to_vec(),
        b"GET /users/\xff\xfe HTTP/1.1\r\n\r\n".to_vec(),
        b"G\xc3\x89T / HTTP/1.1\r\n\r\n".to_vec(),
        b"\r\n\r\n\r\n\r\n".to_vec(),
    ];
    for raw in &cases {
        let status = status_of(&app, raw).await;
        let shown = String::from_utf8_lossy(&raw[..raw.len().min(20)]).into_owned();
        assert!(matches!(status, None | Some(400)), "{shown:?}: {status:?}");
    }
    assert_healthy(&app).await;
}
