//! `GET /users` at size: the list streamed in keyset pages, `?skip=&limit=` and their
//! 422s, ids anywhere in INTEGER, a database outage mid-list seen by real clients as a
//! broken response, and a client that stops reading holding up nobody.

mod support;

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use support::{TestApp, http};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;
use tokio_postgres::Client;

/// The seed's `UserResponse`, for the test's own serialisation of the table.
#[derive(Serialize)]
struct User {
    id: i32,
    name: String,
    email: String,
    age: Option<i32>,
}

/// A server and a client of the test's own on its database, once the server has
/// connected and so made the table (a look-up that reached PostgreSQL: 404, not 503).
async fn app_with_table() -> (TestApp, Client) {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/users/1").await.status,
        404,
        "the server is connected"
    );
    let db = support::connect(&app.database).await;
    (app, db)
}

/// `count` users with ids from the sequence (1, 2, ...).
async fn seed(db: &Client, count: i64) {
    db.execute(
        "INSERT INTO users (name, email, age) \
         SELECT 'User ' || g, 'user' || g || '@example.com', g % 90 FROM generate_series(1, $1::int8) g",
        &[&count],
    )
    .await
    .expect("seed users");
}

/// What the list must be: `SELECT ... ORDER BY id`, serialised compactly.
async fn expected_list(db: &Client) -> Vec<User> {
    let rows = db
        .query("SELECT id, name, email, age FROM users ORDER BY id", &[])
        .await
        .expect("read the table");
    rows.iter()
        .map(|row| User {
            id: row.get(0),
            name: row.get(1),
            email: row.get(2),
            age: row.get(3),
        })
        .collect()
}

/// Sends `GET path` and returns the raw answer, up to the server closing the connection.
async fn raw_get(addr: SocketAddr, path: &str) -> Vec<u8> {
    let request = http::request("GET", path, &[("Connection", "close")], b"");
    http::exchange(addr, &request).await
}

#[tokio::test]
async fn a_long_list_streams_complete_in_id_order_and_byte_identical() {
    let (app, db) = app_with_table().await;
    seed(&db, 5000).await;
    // Rows written behind the API's back: the lowest INTEGER, zero, negative, odd text.
    db.batch_execute(
        "INSERT INTO users (id, name, email, age) VALUES \
         (-2147483648, 'Min', 'min@x.io', NULL), (0, 'Zero \"q\" \\ é ☃', 'zero@x.io', 0), \
         (-7, E'tab\\there', 'neg@x.io', -1), (2147483647, 'Max', 'max@x.io', 2147483647)",
    )
    .await
    .expect("insert rows with edge ids");
    let expected = serde_json::to_string(&expected_list(&db).await).expect("serialise");

    let raw = raw_get(app.addr, "/users").await;
    let response = http::parse(&raw);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert!(raw.ends_with(b"\r\n0\r\n\r\n"), "the terminating chunk");
    assert_eq!(response.text(), expected);
    // Several pages, so several chunks: the list really was streamed.
    let chunks = raw.windows(2).filter(|w| w == b"\r\n").count();
    assert!(chunks > 8, "{chunks} CRLFs: one chunk?");

    // Concurrent lists move in step and share pages (one read, one serialisation):
    // each must still be the whole list, byte for byte.
    let lists = (0..8).map(|_| tokio::spawn(raw_get(app.addr, "/users")));
    for list in lists {
        let raw = list.await.expect("a concurrent list");
        assert_eq!(http::parse(&raw).text(), expected, "a concurrent list");
    }

    let ids: Vec<i64> = response
        .json()
        .as_array()
        .expect("an array")
        .iter()
        .map(|u| u["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 5004);
    assert_eq!(&ids[..4], [-2147483648, -7, 0, 1]);
    assert_eq!(ids.last(), Some(&2147483647));
    let page = app.get("/users?skip=1&limit=2").await;
    assert_eq!(
        page.json(),
        json!([
            {"id": -7, "name": "tab\there", "email": "neg@x.io", "age": -1},
            {"id": 0, "name": "Zero \"q\" \\ é ☃", "email": "zero@x.io", "age": 0},
        ])
    );
}

#[tokio::test]
async fn skip_and_limit_select_a_slice_of_the_ordered_list() {
    let (app, db) = app_with_table().await;
    seed(&db, 700).await;
    let all: Vec<Value> = expected_list(&db)
        .await
        .iter()
        .map(|user| serde_json::to_value(user).expect("a value"))
        .collect();
    let slice = |skip: usize, limit: Option<usize>| {
        let rest = all.iter().skip(skip);
        Value::Array(rest.take(limit.unwrap_or(usize::MAX)).cloned().collect())
    };
    let huge = "9".repeat(40);
    let cases: Vec<(String, usize, Option<usize>)> = vec![
        (String::new(), 0, None),
        ("?limit=0".into(), 0, Some(0)),
        ("?skip=5&limit=10".into(), 5, Some(10)),
        // Around the page boundaries (128, then 512 more).
        ("?skip=127&limit=2".into(), 127, Some(2)),
        ("?limit=128".into(), 0, Some(128)),
        ("?limit=129".into(), 0, Some(129)),
        ("?skip=100&limit=600".into(), 100, Some(600)),
        ("?skip=699".into(), 699, None),
        ("?skip=700".into(), 700, None),
        (format!("?skip={huge}"), usize::MAX, None),
        (format!("?limit={huge}"), 0, None),
        // Lax integers, repeated names (the last wins), unknown names, escapes.
        ("?skip=+0_3.00&limit=%202%20".into(), 3, Some(2)),
        ("?limit=1&limit=4&foo=bar".into(), 0, Some(4)),
        ("?%73kip=6&limit=+1".into(), 6, Some(1)),
    ];
    for (query, skip, limit) in cases {
        let got = app.get(&format!("/users{query}")).await;
        assert_eq!(got.status, 200, "{query}: {}", got.text());
        assert_eq!(got.json(), slice(skip, limit), "{query}");
    }
}

#[tokio::test]
async fn bad_skip_and_limit_are_422s_like_fastapis() {
    let app = TestApp::spawn().await;
    let parsing = "Input should be a valid integer, unable to parse string as an integer";
    let ge = "Input should be greater than or equal to 0";
    let cases = [
        (
            "?skip=abc",
            json!([{"type": "int_parsing", "loc": ["query", "skip"], "msg": parsing, "input": "abc"}]),
        ),
        (
            "?limit=-5",
            json!([{"type": "greater_than_equal", "loc": ["query", "limit"], "msg": ge, "input": "-5", "ctx": {"ge": 0}}]),
        ),
        (
            "?limit=1.5&skip=-1",
            json!([
                {"type": "greater_than_equal", "loc": ["query", "skip"], "msg": ge, "input": "-1", "ctx": {"ge": 0}},
                {"type": "int_parsing", "loc": ["query", "limit"], "msg": parsing, "input": "1.5"},
            ]),
        ),
        (
            "?limit=5&limit=x",
            json!([{"type": "int_parsing", "loc": ["query", "limit"], "msg": parsing, "input": "x"}]),
        ),
        (
            "?skip=&limit=%E2%98%83",
            json!([
                {"type": "int_parsing", "loc": ["query", "skip"], "msg": parsing, "input": ""},
                {"type": "int_parsing", "loc": ["query", "limit"], "msg": parsing, "input": "☃"},
            ]),
        ),
    ];
    for (query, detail) in cases {
        let got = app.get(&format!("/users{query}")).await;
        assert_eq!(got.status, 422, "{query}");
        assert_eq!(got.json(), json!({ "detail": detail }), "{query}");
    }
}

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
    db.batch_execute(include_str!("../init.sql"))
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
