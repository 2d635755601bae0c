//! `/live` and `/ready` through a PostgreSQL stop and start, and through a terminated
//! backend: liveness never depends on the database; readiness says 503 within 2 s of
//! losing it and 200 within 2 s of its return.

use std::time::Duration;

use super::prometheus::{self, value};
use super::support::process::ServerProcess;
use super::support::{self, TestDatabase, http};
use super::{SERIAL, blocking, until_status};

const PROBE_LIMIT: Duration = Duration::from_secs(2);

async fn metric(server: &ServerProcess, name: &str) -> f64 {
    let text = http::send(server.admin(), "GET", "/metrics", &[], b"")
        .await
        .text();
    value(&prometheus::parse(&text), name, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_follows_postgres_through_a_stop_and_start_while_live_stays_200() {
    let _turn = SERIAL.lock().await;
    let mut cluster = support::own_cluster();
    let server = ServerProcess::start_with_admin(&cluster.config());
    let admin = server.admin();
    let (ready, _) = until_status(admin, "/ready", 200, Duration::from_secs(10)).await;
    assert_eq!(ready.json(), serde_json::json!({"status": "ready"}));
    assert_eq!(metric(&server, "userapi_database_up").await, 1.0);

    blocking(|| cluster.stop(true));
    let (not_ready, lost_after) = until_status(admin, "/ready", 503, PROBE_LIMIT).await;
    assert_eq!(
        not_ready.json(),
        serde_json::json!({"detail": "database unavailable"})
    );
    let live = http::send(admin, "GET", "/live", &[], b"").await;
    assert_eq!(live.status, 200, "/live must not depend on the database");
    assert_eq!(metric(&server, "userapi_database_up").await, 0.0);
    // Still 503 a moment later: the supervisor's attempts keep failing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        http::send(admin, "GET", "/ready", &[], b"").await.status,
        503
    );

    blocking(|| cluster.start_server()).expect("start PostgreSQL");
    let (_, back_after) = until_status(admin, "/ready", 200, PROBE_LIMIT).await;
    assert_eq!(metric(&server, "userapi_database_up").await, 1.0);
    assert_eq!(
        metric(&server, "userapi_database_reconnects_total").await,
        1.0
    );
    assert!(metric(&server, "userapi_database_connect_failures_total").await >= 1.0);
    support::figure(&format!(
        "readiness: /ready 503 {lost_after:?} after PostgreSQL stopped, 200 again \
         {back_after:?} after it was ready"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_backend_is_counted_as_a_reconnect_and_ready_returns() {
    let database = TestDatabase::create().await;
    let server = ServerProcess::start_with_admin(&database.config);
    let admin = server.admin();
    until_status(admin, "/ready", 200, Duration::from_secs(10)).await;
    assert_eq!(
        metric(&server, "userapi_database_reconnects_total").await,
        0.0
    );

    let terminated = support::terminate_server_backends(&database.config).await;
    assert_eq!(terminated, 1, "the server has one connection");
    let started = std::time::Instant::now();
    while metric(&server, "userapi_database_reconnects_total").await < 1.0 {
        assert!(
            started.elapsed() < PROBE_LIMIT,
            "no reconnect after {PROBE_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    until_status(admin, "/ready", 200, PROBE_LIMIT).await;
    assert_eq!(metric(&server, "userapi_database_up").await, 1.0);
}
