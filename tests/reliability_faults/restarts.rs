//! Faults 2 and 3: the server started before PostgreSQL, and PostgreSQL restarted
//! (`pg_ctl stop -m fast`, then start) while the server is idle. Neither needs the
//! server to be restarted; both must be over within a second of PostgreSQL being back.

use std::time::{Duration, Instant};

use super::support::process::ServerProcess;
use super::support::{self, http};
use super::{
    SERIAL, assert_no_secret, blocking, canary_password, cluster_and_server, until_status,
};

const NEW_USER: &str = r#"{"name":"After","email":"after@restart.test","age":7}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_before_postgres_serves_within_1s_of_it() {
    let _turn = SERIAL.lock().await;
    let mut cluster = support::own_cluster();
    blocking(|| cluster.stop(true));
    let server = ServerProcess::start(&cluster.config(), &canary_password());

    assert_eq!(
        http::send(server.addr, "GET", "/", &[], b"").await.status,
        200
    );
    let down = http::send(server.addr, "GET", "/users", &[], b"").await;
    assert_eq!(down.status, 503, "{}", down.text());

    blocking(|| cluster.start_server()).expect("start PostgreSQL");
    let first_200 = until_status(server.addr, "/users", 200, Duration::from_secs(10)).await;
    support::figure(&format!(
        "server before database: first 200 {first_200:?} after PostgreSQL was ready"
    ));
    assert!(first_200 < Duration::from_secs(1), "took {first_200:?}");
    let json = [("Content-Type", "application/json")];
    let created = http::send(server.addr, "POST", "/users", &json, NEW_USER.as_bytes()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_no_secret(&server, &(down.text() + &created.text()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_restart_is_invisible_to_the_next_request() {
    let _turn = SERIAL.lock().await;
    let (mut cluster, server) = cluster_and_server();
    until_status(server.addr, "/users", 200, Duration::from_secs(10)).await;
    let json = [("Content-Type", "application/json")];
    let before = r#"{"name":"Before","email":"before@restart.test","age":6}"#;
    let created = http::send(server.addr, "POST", "/users", &json, before.as_bytes()).await;
    let id = created.json()["id"].as_i64().expect("an id");

    // No request while PostgreSQL is away: the server learns of it on its own.
    blocking(|| {
        cluster.stop(true);
        cluster.start_server()
    })
    .expect("restart PostgreSQL");
    let sent = Instant::now();
    let read = http::send(server.addr, "GET", &format!("/users/{id}"), &[], b"").await;
    let answered_in = sent.elapsed();
    support::figure(&format!(
        "quiet restart: next request {} in {answered_in:?}",
        read.status
    ));
    assert_eq!(read.status, 200, "{}", read.text());
    let write = http::send(server.addr, "POST", "/users", &json, NEW_USER.as_bytes()).await;
    assert_eq!(write.status, 201, "{}", write.text());
    assert_no_secret(&server, &(read.text() + &write.text()));
}
