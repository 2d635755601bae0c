//! Property test: thousands of random requests (methods, paths, content types,
//! bodies from plausible users to raw bytes) get no 5xx, no hang and no crash.
//!
//! proptest draws a new seed each run and, on a failure, shrinks the request to a
//! minimal one and prints it. `PROPTEST_CASES=20000` runs more.

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::assert_healthy;
use super::support::{self, TestApp, http};

const CASES: u32 = 3_000;
/// Far beyond any answer the server gives (its slowest path waits 4 s for PostgreSQL).
const HANG: Duration = Duration::from_secs(10);

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((".{0,6}", inner), 0..5)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Objects with some of the three fields, holding anything.
fn user_like() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![json_value(), "[a-z@.]{0,10}".prop_map(Value::from)];
    let name = prop::sample::select(vec!["name", "email", "age"]);
    prop::collection::vec((name, field), 0..4).prop_map(|fields| {
        let object: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.into(), v)).collect();
        Value::Object(object).to_string().into_bytes()
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let valid = br#"{"name":"Fuzz","email":"fuzz@x.io","age":30}"#.to_vec();
    prop_oneof![
        3 => user_like(),
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        // A valid body with a few bytes overwritten.
        2 => prop::collection::vec((0..valid.len(), any::<u8>()), 1..4).prop_map(move |edits| {
            let mut body = valid.clone();
            edits.into_iter().for_each(|(at, byte)| body[at] = byte);
            body
        }),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let escaped = |bytes: Vec<u8>| {
        bytes
            .iter()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
    };
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(move |b| format!("/users/{}", escaped(b))),
        1 => any::<i64>().prop_map(|n| format!("/users/{n}")),
        1 => "/[!-~]{0,30}",
        1 => "/users/[ -~]{0,10}",
        4 => Just("/users".to_string()),
    ]
}

fn request() -> impl Strategy<Value = Vec<u8>> {
    let method = prop_oneof![
        3 => Just("POST"),
        2 => Just("GET"),
        1 => prop::sample::select(vec!["PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
    ];
    let content_type = prop::sample::select(vec![
        None,
        Some("application/json"),
        Some("text/plain"),
        Some("application/merge-patch+json; charset=latin-1"),
    ]);
    (method, path(), content_type, body()).prop_map(|(method, path, content_type, body)| {
        let mut headers = vec![("Connection", "close")];
        headers.extend(content_type.map(|value| ("Content-Type", value)));
        http::request(method, &path, &headers, &body)
    })
}

/// Sends `raw` and reads until the server closes; write errors are fine (the server
/// may answer and close before reading everything), a hang is not.
async fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let _ = stream.write_all(raw).await;
    let mut answer = Vec::new();
    match tokio::time::timeout(HANG, stream.read_to_end(&mut answer)).await {
        Ok(_) => Ok(answer),
        Err(_) => Err(format!("no answer within {HANG:?}")),
    }
}

#[test]
fn random_requests_never_get_a_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let app = runtime.block_on(TestApp::spawn());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    let config = Config {
        cases: cases.unwrap_or(CASES),
        failure_persistence: None,
        ..Config::default()
    };
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let result = TestRunner::new(config).run(&request(), |raw| {
        let answer = runtime.block_on(exchange(app.addr, &raw));
        let answer = answer.map_err(TestCaseError::fail)?;
        let status = (!answer.is_empty()).then(|| http::parse(&answer).status);
        *statuses.borrow_mut().entry(status).or_insert(0) += 1;
        prop_assert!(
            status.is_none_or(|s| s < 500),
            "{status:?} for {:?}",
            String::from_utf8_lossy(&raw)
        );
        Ok(())
    });
    let statuses = statuses.into_inner();
    support::figure(&format!(
        "fuzz: status counts (None = closed without an answer): {statuses:?}"
    ));
    if let Err(failure) = result {
        panic!("{failure}");
    }
    runtime.block_on(assert_healthy(&app));
}
