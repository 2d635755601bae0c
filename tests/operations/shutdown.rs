//! `/ready` during a graceful shutdown: from the SIGTERM until the API has drained, the
//! admin port keeps answering, `/ready` with 503, so a load balancer takes the instance
//! out while its last requests finish.
//!
//! The drain is held open exactly, not hopefully: a `POST /users` has sent its headers
//! with `Expect: 100-continue` and holds its body back; the server's `100 Continue`
//! proves the request is in flight. Only once `/ready` has said 503 is the body sent.

use std::time::Duration;

use super::support::process::ServerProcess;
use super::support::{TestDatabase, http};
use super::{SERIAL, blocking, until_status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_from_sigterm_until_the_drain_ends_and_the_admin_port_goes_last() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let mut server = ServerProcess::start_with_admin(&database.config);
    let admin = server.admin();
    until_status(admin, "/ready", 200, Duration::from_secs(10)).await;

    let body = r#"{"name":"Draining","email":"drain@ops.test","age":1}"#;
    let mut in_flight = http::Connection::open(server.addr).await.expect("connect");
    let head = format!(
        "POST /users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    in_flight
        .write(head.as_bytes())
        .await
        .expect("send headers");
    let go_on = in_flight.read_response().await.expect("100 Continue");
    assert_eq!(go_on.status, 100);

    server.terminate();
    let (not_ready, after) = until_status(admin, "/ready", 503, Duration::from_secs(2)).await;
    assert_eq!(
        not_ready.json(),
        serde_json::json!({"detail": "shutting down"})
    );
    let live = http::send(admin, "GET", "/live", &[], b"").await;
    assert_eq!(
        live.status, 200,
        "the process still serves during the drain"
    );
    // The API itself no longer accepts, while the admin port does.
    assert!(tokio::net::TcpStream::connect(server.addr).await.is_err());
    let metrics = http::send(admin, "GET", "/metrics", &[], b"").await;
    assert_eq!(metrics.status, 200);

    in_flight
        .write(body.as_bytes())
        .await
        .expect("send the body");
    let created = in_flight.read_response().await.expect("an answer");
    assert_eq!(created.status, 201, "{}", created.text());
    let status = blocking(|| server.wait_exit(Duration::from_secs(10)));
    assert!(status.is_some_and(|s| s.success()), "exit: {status:?}");
    assert!(
        tokio::net::TcpStream::connect(admin).await.is_err(),
        "admin port closed"
    );
    super::support::figure(&format!(
        "shutdown: /ready 503 {after:?} after SIGTERM, while a request in flight held the drain"
    ));
}
