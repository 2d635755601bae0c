//! Issue 21: reads from a hot standby (`READ_DATABASE_URL`), never stale for a writer.
//!
//! A primary and a `pg_basebackup -R` standby. The standby's replay is *paused*
//! (`pg_wal_replay_pause()`) to make "not replayed yet" last as long as the test
//! needs: a user created then is on the primary only. Before issue 21 there was no
//! standby read at all; a naive one answered that user 404 and left it out of the list.
//! Then the standby stops, and is promoted: every GET still answers 200.

use std::net::SocketAddr;
use std::time::Duration;

use super::support::cluster::Cluster;
use super::support::http;
use super::support::process::{Options, ServerProcess};
use super::target_session::primary_and_standby;
use super::{SERIAL, metrics, replacements, until_logged};
use userapi::services::user_service::UserService;

/// `postgresql://` URL of `clusters`' hosts, in order, for `target_session_attrs`.
fn url(clusters: &[&Cluster], target: &str) -> String {
    let hosts: Vec<String> = clusters
        .iter()
        .map(|cluster| format!("127.0.0.1:{}", cluster.config().get_ports()[0]))
        .collect();
    let hosts = hosts.join(",");
    format!(
        "postgresql://postgres@{hosts}/postgres?target_session_attrs={target}&connect_timeout=2"
    )
}

/// The binary writing to `primary` and reading from `read_url`.
fn server_reading(primary: &Cluster, read_url: String) -> ServerProcess {
    let options = Options {
        admin: true,
        env: vec![
            ("DATABASE_URL".into(), url(&[primary], "read-write")),
            ("READ_DATABASE_URL".into(), read_url),
        ],
        ..Options::default()
    };
    ServerProcess::start_with(&primary.config(), "unused", options)
}

/// A primary, its standby, and the binary reading from the standby once it has
/// connected there (a readiness check on its log).
async fn reading_from_a_standby() -> (Cluster, Cluster, ServerProcess) {
    let (primary, standby) = primary_and_standby().await;
    let server = server_reading(&primary, url(&[&standby], "standby"));
    let s = standby.config().get_ports()[0];
    let line = format!("read database: connected to 127.0.0.1:{s} of");
    until_logged(&server, &line, Duration::from_secs(10));
    (primary, standby, server)
}

/// POSTs a user; its id (the 201 is asserted).
async fn create(addr: SocketAddr, email: &str) -> i64 {
    let body = serde_json::json!({"name": "Rd", "email": email, "age": 30}).to_string();
    let json = [("Content-Type", "application/json")];
    let response = http::send(addr, "POST", "/users", &json, body.as_bytes()).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["id"].as_i64().expect("an id")
}

/// `GET path`: the status and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = http::send(addr, "GET", path, &[], b"").await;
    (response.status, response.text())
}

/// `userapi_reads_total{connection}` and `userapi_read_fallbacks_total{cause}`.
async fn reads(admin: SocketAddr, connection: &str) -> f64 {
    let name = format!("userapi_reads_total{{connection=\"{connection}\"}}");
    metrics(admin).await.get(&name).copied().unwrap_or(-1.0)
}

async fn fallbacks(admin: SocketAddr, cause: &str) -> f64 {
    let name = format!("userapi_read_fallbacks_total{{cause=\"{cause}\"}}");
    metrics(admin).await.get(&name).copied().unwrap_or(-1.0)
}

/// Until the standby has replayed the user `id` (a readiness check, not a sleep).
async fn until_replayed(standby: &Cluster, id: i64) {
    let client = super::support::connect(&standby.config()).await;
    for _ in 0..500 {
        let sql = "SELECT count(*) FROM users WHERE id = $1";
        let row = client.query_one(sql, &[&(id as i32)]).await;
        if row.expect("ask the standby").get::<_, i64>(0) == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the standby never replayed user {id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_never_reads_stale_data_from_a_lagging_standby() {
    let _turn = SERIAL.lock().await;
    let (_primary, standby, server) = reading_from_a_standby().await;
    let (addr, admin) = (server.addr, server.admin());

    let replayed = create(addr, "replayed@example.com").await;
    until_replayed(&standby, replayed).await;
    let (status, _) = get(addr, &format!("/users/{replayed}")).await;
    assert_eq!(status, 200);
    assert_eq!(reads(admin, "standby").await, 1.0, "served by the standby");

    // The standby stops applying WAL: from now on it lags as far as the test likes.
    let replica = super::support::connect(&standby.config()).await;
    let pause = replica.batch_execute("SELECT pg_wal_replay_pause()").await;
    pause.expect("pause replay");
    let fresh = create(addr, "fresh@example.com").await;
    let (status, body) = get(addr, &format!("/users/{fresh}")).await;
    assert_eq!(status, 200, "a user the standby has not replayed: {body}");
    assert!(body.contains("fresh@example.com"), "{body}");
    assert_eq!(fallbacks(admin, "not_found").await, 1.0);
    let (status, list) = get(addr, "/users").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("fresh@example.com"),
        "the list lacks it: {list}"
    );
    assert!(fallbacks(admin, "lagging").await >= 1.0);
    until_logged(&server, "standby reads: ", Duration::from_secs(2));
    // A user the standby has is still read there, lag or not.
    let standby_reads = reads(admin, "standby").await;
    assert_eq!(get(addr, &format!("/users/{replayed}")).await.0, 200);
    assert_eq!(reads(admin, "standby").await, standby_reads + 1.0);
    // An unknown id is the primary's to deny.
    assert_eq!(get(addr, "/users/99999").await.0, 404);

    let resume = replica.batch_execute("SELECT pg_wal_replay_resume()").await;
    resume.expect("resume replay");
    until_replayed(&standby, fresh).await;
    let (status, list) = get(addr, "/users").await;
    assert!(
        status == 200 && list.contains("fresh@example.com"),
        "{list}"
    );
    // The list is back on the standby: read there, none of its pages fell back (one
    // read a page: how many depends on `FIRST_PAGE_ROWS`, which exercise 4 changes).
    let standby_reads = reads(admin, "standby").await;
    let lagging = fallbacks(admin, "lagging").await;
    assert_eq!(get(addr, "/users").await.0, 200);
    assert!(
        reads(admin, "standby").await > standby_reads,
        "the list is back"
    );
    assert_eq!(
        fallbacks(admin, "lagging").await,
        lagging,
        "no page fell back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_or_promoted_standby_costs_no_read() {
    let _turn = SERIAL.lock().await;
    let (_primary, mut standby, server) = reading_from_a_standby().await;
    let (addr, admin) = (server.addr, server.admin());
    let id = create(addr, "kept@example.com").await;
    until_replayed(&standby, id).await;
    assert_eq!(get(addr, &format!("/users/{id}")).await.0, 200);

    // Promoted: PostgreSQL reports in_hot_standby=off on the session's next answer,
    // and the read after that leaves the session for the write connection.
    let replica = super::support::connect(&standby.config()).await;
    let promote = replica.batch_execute("SELECT pg_promote()").await;
    promote.expect("promote");
    for n in 0..5 {
        let (status, body) = get(addr, &format!("/users/{id}")).await;
        assert_eq!(status, 200, "read {n} after the promotion: {body}");
    }
    // Look-ups alone (no list, whose replay check asks pg_is_in_recovery()): the
    // session's ParameterStatus told it.
    assert_eq!(fallbacks(admin, "promoted").await, 1.0);
    assert_eq!(get(addr, "/users").await.0, 200);
    assert_eq!(
        replacements(admin, "promoted").await,
        0.0,
        "not the primary's"
    );
    let name = "userapi_standby_database_replacements_total{cause=\"promoted\"}";
    assert_eq!(metrics(admin).await.get(name).copied(), Some(1.0));
    until_logged(&server, "was promoted to primary", Duration::from_secs(2));

    // Gone: no standby to connect to (target_session_attrs=standby), reads go on.
    tokio::task::block_in_place(|| standby.stop(true));
    for n in 0..5 {
        let (status, body) = get(addr, &format!("/users/{id}")).await;
        assert_eq!(status, 200, "read {n} without a standby: {body}");
    }
    assert!(fallbacks(admin, "no_standby").await >= 5.0);
    let ready = http::send(admin, "GET", "/ready", &[], b"").await;
    assert_eq!(
        ready.status, 200,
        "a lost standby is no reason to stop taking traffic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefer_standby_leaves_the_primary_for_a_standby_that_comes_back() {
    let _turn = SERIAL.lock().await;
    let (primary, mut standby) = primary_and_standby().await;
    tokio::task::block_in_place(|| standby.stop(true));
    // libpq's prefer-standby: no standby up, so the primary; libpq would stay there.
    let server = server_reading(&primary, url(&[&standby, &primary], "prefer-standby"));
    let (p, s) = (
        primary.config().get_ports()[0],
        standby.config().get_ports()[0],
    );
    let settled = format!("read database: connected to 127.0.0.1:{p} of");
    let line = until_logged(&server, &settled, Duration::from_secs(10));
    assert!(line.contains("a read-write session"), "{line}");
    let (addr, admin) = (server.addr, server.admin());
    let id = create(addr, "waits@example.com").await;
    assert_eq!(get(addr, &format!("/users/{id}")).await.0, 200);
    assert!(
        fallbacks(admin, "no_standby").await >= 1.0,
        "not read on the primary's session"
    );

    tokio::task::block_in_place(|| standby.start_server()).expect("restart the standby");
    let moved = format!("read database: connected to 127.0.0.1:{s} of");
    until_logged(&server, &moved, Duration::from_secs(15));
    until_replayed(&standby, id).await;
    let standby_reads = reads(admin, "standby").await;
    assert_eq!(get(addr, &format!("/users/{id}")).await.0, 200);
    assert_eq!(reads(admin, "standby").await, standby_reads + 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_primary_is_no_standby_and_no_promotion() {
    let _turn = SERIAL.lock().await;
    let primary = tokio::task::block_in_place(super::support::own_cluster);
    let admin = super::support::connect(&primary.config()).await;
    let schema = UserService::DATABASE_SETUP.schema;
    admin.batch_execute(schema).await.expect("create the table");
    // A read URL onto a primary whose sessions start read-only: `read-only` takes it,
    // but it is no hot standby, and can never have been promoted.
    let read_only = "default_transaction_read_only%3Don";
    let read_url = format!("{}&options=-c%20{read_only}", url(&[&primary], "read-only"));
    let server = server_reading(&primary, read_url);
    let p = primary.config().get_ports()[0];
    let line = format!("read database: connected to 127.0.0.1:{p} of");
    let line = until_logged(&server, &line, Duration::from_secs(10));
    assert!(line.contains("a read-only session"), "{line}");
    let (addr, admin) = (server.addr, server.admin());
    let id = create(addr, "readonly@example.com").await;
    for n in 0..3 {
        let (status, body) = get(addr, &format!("/users/{id}")).await;
        assert_eq!(status, 200, "read {n}: {body}");
    }
    assert_eq!(fallbacks(admin, "no_standby").await, 3.0);
    assert_eq!(
        fallbacks(admin, "promoted").await,
        0.0,
        "it never was a standby"
    );
    let name = "userapi_standby_database_replacements_total{cause=\"promoted\"}";
    assert_eq!(metrics(admin).await.get(name).copied(), Some(0.0));
}
