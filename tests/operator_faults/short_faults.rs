//! Two small faults from the same review, each a second of an operator's day:
//!
//! - **Sessions that die right after login** (here `idle_session_timeout = 100ms`, as a
//!   proxy or a server in a crash loop would end them): before the fix each new session
//!   reset the reconnect backoff, so the server dialled again at once, in a tight loop.
//!   Goal: at most 15 sessions in 5 s (a backoff capped at 0.5 s makes about 10; the
//!   tight loop about 40).
//! - **A read cancelled by an operator** (`pg_cancel_backend` while it waits on a lock):
//!   SQLSTATE 57014 counted as a lost connection, so the read waited up to 2 s for a
//!   next session that never came, and answered 503. Goal: it runs again at once on
//!   the same session and answers 200 as soon as the lock is gone.

use std::time::{Duration, Instant};

use super::support::{self, TestDatabase, figure};
use super::traffic::{get, post_user};
use super::{Goals, SERIAL, server_on, warm_server_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_that_die_at_once_are_redialled_with_backoff() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let name = database.config.get_dbname().expect("a name").to_string();
    let admin = support::connect(&database.config).await;
    let short = format!("ALTER DATABASE {name} SET idle_session_timeout = '100ms'");
    admin
        .batch_execute(&short)
        .await
        .expect("idle_session_timeout");
    let server = server_on(&database.config);
    server.until_logged("database: connected", Duration::from_secs(10));
    let sessions = "SELECT sessions FROM pg_stat_database WHERE datname = $1";
    let count = |row: tokio_postgres::Row| row.get::<_, i64>(0);
    let before = count(admin.query_one(sessions, &[&name]).await.expect("sessions"));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = count(admin.query_one(sessions, &[&name]).await.expect("sessions"));
    let made = after - before;

    let mut goals = Goals::new("review (sessions that die right after login)");
    goals.check(
        made <= 15,
        "at most 15 sessions in 5 s",
        &format!("{made} sessions started (pg_stat_database.sessions)"),
    );
    goals.verdict(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_cancelled_by_an_operator_runs_again_at_once() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let server = warm_server_on(&database.config).await;
    let id = post_user(server.addr, "read@example.com")
        .await
        .id
        .expect("an id");
    let locker = support::connect(&database.config).await;
    let watcher = support::connect(&database.config).await;
    locker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("the operator's lock");
    let addr = server.addr;
    let read = tokio::spawn(async move { get(addr, &format!("/users/{id}")).await });
    let waiting = "SELECT pid FROM pg_stat_activity WHERE application_name = 'userapi' \
                   AND wait_event_type = 'Lock' AND datname = current_database()";
    let started = Instant::now();
    let pid: i32 = loop {
        if let Some(row) = watcher.query_opt(waiting, &[]).await.expect("Lock") {
            break row.get(0);
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the read never waited"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let cancel = "SELECT pg_cancel_backend($1)";
    watcher.query_one(cancel, &[&pid]).await.expect("cancel");
    tokio::time::sleep(Duration::from_millis(100)).await;
    locker.batch_execute("ROLLBACK").await.expect("release");
    let released = Instant::now();
    let answer = read.await.expect("the read");
    let after_release = released.elapsed();

    let mut goals = Goals::new("review (a read cancelled by an operator)");
    goals.check(
        answer.status == 200 && after_release < Duration::from_secs(1),
        "200 within 1 s of the lock's release",
        &format!(
            "{} {:?} {:.2} s after the release",
            answer.status,
            answer.detail(),
            after_release.as_secs_f64()
        ),
    );
    figure(&format!(
        "operator_faults review: the cancelled read took {:.2} s in all",
        answer.took.as_secs_f64()
    ));
    goals.verdict(&server);
}
