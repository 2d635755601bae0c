//! The access log never blocks and never panics: with stdout closed (`userapi | head
//! -c1` after the first byte) or stalled (a log pipe nobody drains), every request is
//! still answered, and the server says once on stderr what happened to its log.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::support::process::{Options, Stdout};
use super::support::{figure, http};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_stdout_closed_every_request_is_answered() {
    let options = Options {
        stdout: Stdout::Closed,
        ..Options::default()
    };
    let (app, server) = super::server_with(options).await;
    let mut answered = 0;
    for n in 0..300 {
        let response = match n % 3 {
            0 => http::send(server.addr, "GET", "/", &[], b"").await,
            1 => {
                let body = format!(r#"{{"name":"U","email":"u{n}@x.io","age":1}}"#);
                let json = [("Content-Type", "application/json")];
                http::send(server.addr, "POST", "/users", &json, body.as_bytes()).await
            }
            _ => http::send(server.addr, "GET", "/users/1", &[], b"").await,
        };
        assert!(
            matches!(response.status, 200 | 201),
            "request {n}: {}",
            response.status
        );
        answered += 1;
    }
    assert_eq!(answered, 300);
    let output = super::output_with(&server, "logging: stdout failed").await;
    assert_eq!(
        output.matches("logging: stdout failed").count(),
        1,
        "{output}"
    );
    assert!(!output.contains("panicked"), "{output}");
    let client = super::support::connect(&app.database).await;
    let rows: i64 = client
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .expect("count users")
        .get(0);
    assert_eq!(rows, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_stdout_never_read_requests_go_on_and_drops_are_reported() {
    let _turn = super::SERIAL.lock().await;
    let options = Options {
        stdout: Stdout::NeverRead,
        ..Options::default()
    };
    let (_app, server) = super::server_with(options).await;
    // 200-character paths make ~220-byte log lines: 10,000 of them (2 MB) overflow
    // both the pipe (64 KiB) and the log buffer (1 MiB). The old server blocked in
    // `println!` after ~4,000 requests and never answered again.
    let path = format!("/{}", "x".repeat(199));
    let started = Instant::now();
    let mut clients = JoinSet::new();
    for _ in 0..4 {
        let (addr, path) = (server.addr, path.clone());
        clients.spawn(async move {
            let mut connection = http::Connection::open(addr).await.expect("connect");
            for _ in 0..2_500 {
                let response = connection
                    .send("GET", &path, &[], b"")
                    .await
                    .expect("answer");
                assert_eq!(response.status, 404);
            }
        });
    }
    let all = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(client) = clients.join_next().await {
            client.expect("client task");
        }
    });
    all.await
        .expect("10,000 requests were not answered within 120 s");
    figure(&format!(
        "log pipe: with stdout never read, 10,000 requests answered in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let output = super::output_with(&server, "access-log lines dropped").await;
    assert!(!output.contains("panicked"), "{output}");
}
