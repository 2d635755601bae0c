//! Bodies that are too big or lie about their size. The server must answer 413 from
//! what it has seen so far, without waiting for (or buffering) the rest.

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::assert_healthy;
use super::support::{TestApp, http};

const TEN_MB: usize = 10 * 1024 * 1024;
const JSON_POST: &str = "POST /users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";

/// Writes `head` and `body` from one task while reading the first response in another,
/// as a real client does; the server may answer (and close) before the body is sent.
async fn send_while_reading(
    addr: std::net::SocketAddr,
    head: String,
    body: Vec<u8>,
) -> http::Response {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (reader, mut writer) = stream.into_split();
    let sending = tokio::spawn(async move {
        // The server may close before it is all sent; that is its right.
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let response = http::read_response(&mut BufReader::new(reader)).await;
    sending.abort();
    response.expect("an answer before the connection closed")
}

#[tokio::test]
async fn a_10_mb_body_is_413() {
    let app = TestApp::spawn().await;
    let head = format!("{JSON_POST}Content-Length: {TEN_MB}\r\n\r\n");
    let response = send_while_reading(app.addr, head, vec![b'a'; TEN_MB]).await;
    assert_eq!(response.status, 413, "{}", response.text());
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_body_is_refused_before_it_is_all_sent() {
    let app = TestApp::spawn().await;
    // Content-Length says 10 MB; 1 MB comes, then nothing: the answer may not wait.
    let head = format!("{JSON_POST}Content-Length: {TEN_MB}\r\n\r\n");
    let response = send_while_reading(app.addr, head, vec![b'a'; 1024 * 1024]).await;
    assert_eq!(response.status, 413);
    // Chunked: no length to check first. 80 KiB of chunks, no final chunk.
    let head = format!("{JSON_POST}Transfer-Encoding: chunked\r\n\r\n");
    let chunks = format!("{:x}\r\n{}\r\n", 8192, "a".repeat(8192)).repeat(10);
    let response = send_while_reading(app.addr, head, chunks.into_bytes()).await;
    assert_eq!(response.status, 413);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_content_length_that_understates_the_body_gets_no_5xx() {
    let app = TestApp::spawn().await;
    // The first 20 bytes are the body (invalid JSON: 422); the rest of the 10 MB is not
    // HTTP, so the connection ends with a 400 or is closed.
    let head = format!("{JSON_POST}Content-Length: 20\r\n\r\n");
    let mut body = br#"{"name": "aaaaaaaaaa"#.to_vec();
    body.extend(vec![b'a'; TEN_MB]);
    let response = send_while_reading(app.addr, head, body).await;
    assert_eq!(response.status, 422, "{}", response.text());
    assert_eq!(response.json()["detail"][0]["type"], "json_invalid");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn broken_framing_is_400() {
    let app = TestApp::spawn().await;
    let cases = [
        "Content-Length: 5\r\nContent-Length: 6\r\n\r\n{}",
        "Content-Length: -1\r\n\r\n{}",
        "Content-Length: abc\r\n\r\n{}",
        "Content-Length: 99999999999999999999999\r\n\r\n{}",
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
        "Transfer-Encoding: gzip\r\n\r\n{}",
    ];
    for case in cases {
        let raw = format!("{JSON_POST}Connection: close\r\n{case}");
        let answer = http::exchange(app.addr, raw.as_bytes()).await;
        let status = (!answer.is_empty()).then(|| http::parse(&answer).status);
        assert!(matches!(status, None | Some(400)), "{case:?}: {status:?}");
    }
    assert_healthy(&app).await;
}
