//! Row R: the database is read-only at login (`default_transaction_read_only`, as a
//! DNS name still pointing at a demoted primary is), then becomes writable. With the
//! default `target_session_attrs=any` the server takes a read-only session, and a write
//! refused with 25006 on a session that was read-only at login is "no news": before the
//! fix it never retired that session, so every POST answered 503 until the TCP
//! connection died, however long the database had been writable.
//!
//! The goals: while the database stays read-only, no reconnect storm (the server keeps
//! trying, with backoff); a 201 within 10 s of the database turning writable
//! (`ALTER DATABASE ... SET default_transaction_read_only = off`, which new sessions
//! see). A database of the shared PostgreSQL suffices: `ALTER DATABASE` touches only it.

use std::time::{Duration, Instant};

use userapi::services::user_service::UserService;

use super::support::{self, TestDatabase};
use super::traffic::{self, post_user, until_created};
use super::{Goals, SERIAL, metric_sum, server_on};

/// How long the database stays read-only under the server.
const READ_ONLY_FOR: Duration = Duration::from_secs(10);
/// At most this many sessions of ours may start in [`READ_ONLY_FOR`]. A backoff that
/// starts at 0.5 s and doubles, or any that waits at least 1 s between attempts, stays
/// under it (about 5 connects in 10 s for the first, 10 for the second); the tight loop
/// a backoff exists to prevent (the supervisor's 50-500 ms, a connect every write) would
/// pass 20 in 10 s. A server that never reconnects (as before the fix) meets it too,
/// and misses the next goal instead.
const MOST_SESSIONS: i64 = 10;
/// The goal for a 201 once the database is writable.
const WRITABLE_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_read_only_at_login_is_written_once_writable() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let name = database
        .config
        .get_dbname()
        .expect("a database name")
        .to_string();
    // Made while the database is writable, so that this session stays writable.
    let admin = support::connect(&database.config).await;
    // The table exists, as on a demoted primary (a read-only session cannot create it).
    admin
        .batch_execute(UserService::DATABASE_SETUP.schema)
        .await
        .expect("the table");
    let read_only =
        |on: &str| format!("ALTER DATABASE {name} SET default_transaction_read_only = {on}");
    admin
        .batch_execute(&read_only("on"))
        .await
        .expect("read-only");

    let server = server_on(&database.config);
    let line = server.until_logged("database: connected", Duration::from_secs(10));
    assert!(line.contains("a read-only session"), "{line}");
    let before = sessions(&admin, &name).await;
    let connects_before = connects(&server).await;
    let started = Instant::now();
    let mut refused = Vec::new();
    for n in 0.. {
        if started.elapsed() >= READ_ONLY_FOR {
            break;
        }
        refused.push(post_user(server.addr, &format!("refused-{n}@example.com")).await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let during = sessions(&admin, &name).await - before;
    let connects_during = connects(&server).await - connects_before;

    admin
        .batch_execute(&read_only("off"))
        .await
        .expect("writable");
    let writable = until_created(
        server.addr,
        "writable",
        WRITABLE_WITHIN + Duration::from_secs(2),
    )
    .await;

    let mut goals = Goals::new("R (read-only at login, then writable)");
    goals.check(
        during <= MOST_SESSIONS,
        "no reconnect storm while read-only (<= 10 sessions in 10 s)",
        &format!(
            "{during} sessions started (pg_stat_database.sessions), the server counted \
             {connects_during} connects and failed attempts; {} POSTs: {}",
            refused.len(),
            traffic::statuses(&refused)
        ),
    );
    let measured = match writable {
        Some(took) => format!(
            "first 201 {:.2} s after the database turned writable",
            took.as_secs_f64()
        ),
        None => format!(
            "no 201 in {} s",
            (WRITABLE_WITHIN + Duration::from_secs(2)).as_secs()
        ),
    };
    let met = writable.is_some_and(|took| took <= WRITABLE_WITHIN);
    goals.check(
        met,
        "a 201 within 10 s of the database turning writable",
        &measured,
    );
    goals.verdict(&server);
}

/// Sessions ever started on database `name` (`pg_stat_database.sessions`, PostgreSQL
/// 14+). A backend reports its session when it next reports its statistics (at the
/// latest when it exits), so the count can trail by the one session still open.
async fn sessions(admin: &tokio_postgres::Client, name: &str) -> i64 {
    let sql = "SELECT sessions FROM pg_stat_database WHERE datname = $1";
    let row = admin.query_one(sql, &[&name]).await;
    row.expect("pg_stat_database").get(0)
}

/// Connects and failed connection attempts, as the server counts them.
async fn connects(server: &super::support::process::ServerProcess) -> f64 {
    let reconnects = metric_sum(server.admin(), "userapi_database_reconnects_total").await;
    let failures = metric_sum(server.admin(), "userapi_database_connect_failures_total").await;
    reconnects.unwrap_or(0.0) + failures.unwrap_or(0.0)
}
