//! Backpressure and failure mid-list: a client that stops reading holds up nobody and
//! no database resources; a PostgreSQL crash after the first page breaks the response
//! for a raw socket and for curl instead of ending it as if whole.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;

use super::support::{self, TestApp, http};
use super::{app_with_table, seed};

/// A request whose client reads the head and a little of the body, then nothing:
/// the socket's receive buffer is small so the server soon meets backpressure.
async fn stalled_reader(addr: SocketAddr) -> (TcpStream, Vec<u8>) {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket.set_recv_buffer_size(16 * 1024).expect("SO_RCVBUF");
    let mut stream = socket.connect(addr).await.expect("connect");
    let request = http::request("GET", "/users", &[("Connection", "close")], b"");
    stream.write_all(&request).await.expect("send");
    let mut start = vec![0; 4096];
    let n = stream.read(&mut start).await.expect("read the first bytes");
    start.truncate(n);
    assert!(
        start.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{:?}",
        String::from_utf8_lossy(&start)
    );
    (stream, start)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_holds_up_nobody_and_no_database_resources() {
    let (app, db) = app_with_table().await;
    seed(&db, 100_000).await;
    let (_stalled, _) = stalled_reader(app.addr).await;

    let bound = Duration::from_secs(5);
    let others = async {
        let one = app.get("/users/1").await;
        let few = app.get("/users?skip=99990").await;
        (one.status, few.json().as_array().map(Vec::len))
    };
    let answered = timeout(bound, others)
        .await
        .expect("other clients are answered");
    assert_eq!(answered, (200, Some(10)));
    // Between pages the listing holds no transaction, no cursor, no statement: once
    // the stalled client's pages fill the socket buffers, the server's one backend goes
    // idle (not "idle in transaction") and stays so while the list waits.
    let backend_state = || async {
        let row = db
            .query_one(
                "SELECT state FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = 'userapi'",
                &[],
            )
            .await;
        row.expect("the server's backend").get::<_, String>(0)
    };
    let idle = async {
        while backend_state().await != "idle" {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    timeout(Duration::from_secs(10), idle)
        .await
        .expect("the backend goes idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_mid_list_breaks_the_response_for_real_clients() {
    let mut cluster = support::own_cluster();
    let config = cluster.config();
    let db = support::connect(&config).await;
    db.batch_execute(include_str!("../../init.sql"))
        .await
        .expect("the table");
    // ~28 MB of JSON: far more than the socket buffers between server and client hold,
    // so the list cannot be sent to the end before the outage.
    seed(&db, 400_000).await;
    let app = TestApp::start(config).await;

    // A raw socket that has read the first bytes, and curl writing into a pipe this
    // test does not read yet: both have the head and are held back by backpressure.
    let (mut raw, mut raw_answer) = stalled_reader(app.addr).await;
    let url = format!("http://{}/users", app.addr);
    let mut curl = Command::new("curl")
        .args(["-sS", "-o", "-", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run curl (apt-get install curl)");
    let mut curl_out = curl.stdout.take().expect("curl's stdout");
    let first = tokio::task::spawn_blocking(move || {
        let mut byte = [0u8; 1];
        let read = curl_out.read_exact(&mut byte).map(|()| byte[0]);
        (read, curl_out)
    });
    let (first, mut curl_out) = first.await.expect("read curl's output");
    assert_eq!(first.expect("curl's first byte"), b'[');

    cluster.stop(false); // immediate: a crash, as far as the server can tell

    // Now both drain what is buffered; the server reads the next page, fails, and
    // closes the connection without the terminating chunk.
    let drained = timeout(Duration::from_secs(30), raw.read_to_end(&mut raw_answer)).await;
    drained
        .expect("the server closes the connection")
        .expect("read to the end");
    assert!(raw_answer.len() < 28_000_000, "the list was not sent whole");
    assert!(!raw_answer.ends_with(b"0\r\n\r\n"), "no terminating chunk");
    let curl_done = tokio::task::spawn_blocking(move || {
        let mut body = Vec::new();
        let _ = curl_out.read_to_end(&mut body);
        let output = curl.wait_with_output().expect("curl exits");
        (body, output)
    });
    let (body, output) = timeout(Duration::from_secs(30), curl_done)
        .await
        .expect("curl finishes")
        .expect("curl's thread");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // 18: "transfer closed with outstanding read data remaining".
    assert_eq!(output.status.code(), Some(18), "curl: {stderr}");
    assert!(
        !body.ends_with(b"]"),
        "curl got a truncated array, and knows it"
    );

    // And a list asked for during the outage is a clean 503 before any byte of it.
    let during = app.get("/users").await;
    assert_eq!(during.status, 503);
    assert_eq!(
        during.json(),
        json!({"detail": "Database unavailable, please retry shortly"})
    );
}
