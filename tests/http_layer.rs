//! What the framework did around the routes: health, 404/405, CORS, body limits,
//! keep-alive, graceful shutdown, `/openapi.json` and `/docs`, observed over real TCP.

mod support;

use serde_json::json;
use support::{TestApp, http};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn health_is_ok() {
    let app = TestApp::spawn().await;
    let response = app.get("/").await;
    assert_eq!(
        (response.status, response.text()),
        (200, r#"{"status":"ok"}"#.to_owned())
    );
}

#[tokio::test]
async fn unknown_paths_are_404_not_found() {
    let app = TestApp::spawn().await;
    for path in ["/nope", "/users/1/extra", "/users//", "//"] {
        let response = app.get(path).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.json(), json!({"detail": "Not Found"}), "{path}");
    }
}

#[tokio::test]
async fn wrong_methods_are_405_with_an_allow_header() {
    let app = TestApp::spawn().await;
    // Starlette's 405 names the methods of the *first* route whose path matched: for
    // `/users` that is the seed's `@router.post("/")`, declared before the GET. The
    // routes FastAPI adds itself (docs, document) answer HEAD too.
    for (method, path, allow) in [
        ("PUT", "/users/1", "GET"),
        ("PUT", "/users", "POST"),
        ("POST", "/", "GET"),
        ("HEAD", "/users/", "POST"),
        ("POST", "/docs", "GET, HEAD"),
        ("DELETE", "/openapi.json", "GET, HEAD"),
    ] {
        let response = http::send(app.addr, method, path, &[], b"").await;
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("allow"), Some(allow), "{method} {path}");
        if method != "HEAD" {
            assert_eq!(response.json(), json!({"detail": "Method Not Allowed"}));
        }
    }
}

#[tokio::test]
async fn the_docs_routes_serve_the_document_and_an_offline_page() {
    let app = TestApp::spawn().await;
    let document = app.get("/openapi.json").await;
    assert_eq!(document.status, 200);
    assert_eq!(document.header("content-type"), Some("application/json"));
    assert_eq!(document.json()["openapi"], "3.1.0");
    for path in ["/docs", "/docs/"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("connect-src 'self'"), "{csp}");
        assert!(page.text().contains("/openapi.json"));
    }
}

#[tokio::test]
async fn a_cors_preflight_is_answered_like_starlette() {
    let app = TestApp::spawn().await;
    let headers = [
        ("Origin", "http://example.com"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type,x-custom"),
    ];
    let response = http::send(app.addr, "OPTIONS", "/users", &headers, b"").await;
    assert_eq!((response.status, response.text()), (200, "OK".to_owned()));
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        response.header("access-control-allow-methods"),
        Some("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY")
    );
    assert_eq!(response.header("access-control-max-age"), Some("600"));
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("content-type,x-custom")
    );
}

#[tokio::test]
async fn every_response_to_a_cross_origin_request_allows_it() {
    let app = TestApp::spawn().await;
    let origin = [("Origin", "http://example.com")];
    for path in ["/", "/users", "/nope", "/users/abc"] {
        let response = http::send(app.addr, "GET", path, &origin, b"").await;
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    let plain = app.get("/").await;
    assert_eq!(plain.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_before_it_is_read() {
    let app = TestApp::spawn().await;
    // Announce 10 MB and send none of it: the answer must come anyway.
    let head = "POST /users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
                Content-Length: 10000000\r\nConnection: close\r\n\r\n";
    let response = http::parse(&http::exchange(app.addr, head.as_bytes()).await);
    assert_eq!(response.status, 413);
    assert!(
        response.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("too large"))
    );
    // A chunked body has no Content-Length to check first: it is cut at the limit.
    let mut chunked = b"POST /users HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\
                        Content-Type: application/json\r\nConnection: close\r\n\r\n"
        .to_vec();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n{}\r\n", 8192, "a".repeat(8192)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let response = http::parse(&http::exchange(app.addr, &chunked).await);
    assert_eq!(response.status, 413);
}

#[tokio::test]
async fn invalid_utf8_in_the_body_is_400() {
    let app = TestApp::spawn().await;
    let json = [("Content-Type", "application/json")];
    let response = http::send(app.addr, "POST", "/users", &json, b"{\"name\":\"\xff\"}").await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.json(),
        json!({"detail": "There was an error parsing the body"})
    );
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let app = TestApp::spawn().await;
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    let request = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    let mut buffer = Vec::new();
    for sent in 1..=3 {
        stream.write_all(request).await.expect("write");
        // Read until this request's answer is complete: its body ends the buffer.
        while count_answers(&buffer) < sent || !buffer.ends_with(br#"{"status":"ok"}"#) {
            let mut chunk = [0u8; 1024];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed a keep-alive connection");
            buffer.extend_from_slice(&chunk[..n]);
        }
    }
    assert_eq!(count_answers(&buffer), 3);
}

fn count_answers(buffer: &[u8]) -> usize {
    String::from_utf8_lossy(buffer)
        .matches("HTTP/1.1 200 OK")
        .count()
}

#[tokio::test]
async fn shutdown_refuses_new_connections_and_returns() {
    let app = TestApp::spawn().await;
    let addr = app.addr;
    assert_eq!(app.get("/").await.status, 200);
    app.stop().await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}
