//! Row O, the parts testable on one PostgreSQL: the same faults seen from the database.
//!
//! A backend left waiting: a POST waits on a lock an operator's transaction holds
//! (`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`) and its deadline passes. Before the
//! fix the server replaced the session and closed the socket; PostgreSQL notices a
//! client is gone only when it next reads or writes the socket, so that backend lived,
//! holding its slot and its place in the lock queue, until the lock was free. Two goals:
//!
//! - the server leaves no backend waiting: it cancels the statement at its deadline
//!   (nothing was inserted, and the answer says so) and keeps its session;
//! - a backend whose client is really gone (the server killed: the OOM killer, a
//!   crash) exits within 5 s although the lock is still held
//!   (`client_connection_check_interval`, set by the server on its sessions, makes
//!   PostgreSQL poll the socket while it waits).
//!
//! The role the Compose stacks connect as, row O's other half, is `compose_role` (the
//! files) and `app_role` (the role they make, on a real PostgreSQL).

use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::support::{self, TestDatabase, figure};
use super::traffic::post_user;
use super::{Goals, SERIAL, our_backends, warm_server_on};

/// The "within a few seconds" of being orphaned.
const GONE_WITHIN: Duration = Duration::from_secs(5);
/// How long the test keeps the lock and watches, to say how far a miss was.
const WATCHED_FOR: Duration = Duration::from_secs(10);
/// Our backends waiting on a lock, by pid.
const WAITING: &str = "SELECT pid FROM pg_stat_activity WHERE application_name = 'userapi' \
                       AND datname = $1 AND wait_event_type = 'Lock'";

/// Takes the operator's lock, starts a POST, and returns once its backend waits on the
/// lock: the locking session, the POST, and the waiting backend's pid.
async fn post_behind_a_lock(
    database: &TestDatabase,
    addr: std::net::SocketAddr,
    watcher: &Client,
) -> (Client, tokio::task::JoinHandle<super::traffic::Answer>, i32) {
    let name = database.config.get_dbname().expect("a name").to_string();
    let locker = support::connect(&database.config).await;
    locker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("the operator's lock");
    let post = tokio::spawn(async move { post_user(addr, "blocked@example.com").await });
    let started = Instant::now();
    loop {
        if let Some(row) = watcher.query_opt(WAITING, &[&name]).await.expect("Lock") {
            return (locker, post, row.get(0));
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the POST never waited"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How long after `from` the backend `pid` was gone, watched for [`WATCHED_FOR`].
async fn gone_after(watcher: &Client, pid: i32, from: Instant) -> Option<Duration> {
    let alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1";
    loop {
        let row = watcher.query_one(alive, &[&pid]).await.expect("alive");
        if row.get::<_, i64>(0) == 0 {
            return Some(from.elapsed());
        }
        if from.elapsed() > WATCHED_FOR {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_blocked_past_its_deadline_leaves_no_backend_waiting() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let name = database.config.get_dbname().expect("a name").to_string();
    let server = warm_server_on(&database.config).await;
    let watcher = support::connect(&database.config).await;
    let (locker, post, _) = post_behind_a_lock(&database, server.addr, &watcher).await;
    let answer = post.await.expect("the POST");
    let answered = Instant::now();
    // A moment for a replaced session's backend to show, as it did before the fix.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waiting = watcher
        .query(WAITING, &[&name])
        .await
        .expect("waiting")
        .len();
    let ours = our_backends(&watcher, &name).await;
    locker.batch_execute("ROLLBACK").await.expect("release");
    let row = "SELECT count(*) FROM users WHERE email = 'blocked@example.com'";
    let inserted: i64 = watcher.query_one(row, &[]).await.expect("row").get(0);

    let mut goals = Goals::new("O (a write blocked by a lock past its deadline)");
    let detail = answer.detail();
    goals.check(
        waiting == 0,
        "no backend of ours waits on the lock after the POST was answered",
        &format!("{waiting} waiting, {ours} backends of ours, 0.5 s after the answer"),
    );
    goals.check(
        answer.status == 503 && inserted == 0 && !detail.contains("may have been created"),
        "the POST is answered 503, not inserted, and not called unknown",
        &format!(
            "{} {detail:?} after {:.2} s; rows: {inserted}",
            answer.status,
            answer.took.as_secs_f64()
        ),
    );
    let replaced = server.output().contains("replacing the connection");
    goals.check(
        !replaced,
        "the session is kept (no replacement)",
        &format!("replaced: {replaced}"),
    );
    figure(&format!(
        "operator_faults O: the blocked POST answered {} {:.2} s after it was sent",
        answer.status,
        answer.took.as_secs_f64()
    ));
    let _ = answered;
    goals.verdict(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_of_a_killed_server_exits_while_the_lock_is_held() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let server = warm_server_on(&database.config).await;
    let watcher = support::connect(&database.config).await;
    let (locker, post, pid) = post_behind_a_lock(&database, server.addr, &watcher).await;
    // SIGKILL: the OOM killer, a crash. The kernel closes the server's sockets.
    let killed = unsafe { libc::kill(server.pid() as i32, libc::SIGKILL) };
    assert_eq!(killed, 0, "kill the server");
    let orphaned = Instant::now();
    let gone = gone_after(&watcher, pid, orphaned).await;
    locker.batch_execute("ROLLBACK").await.expect("release");
    let _ = post.await;

    let mut goals = Goals::new("O (the backend of a killed server, waiting on a lock)");
    let measured = match gone {
        Some(took) => format!("exited {:.2} s after the server died", took.as_secs_f64()),
        None => format!(
            "still waiting {} s after the server died",
            WATCHED_FOR.as_secs()
        ),
    };
    let met = gone.is_some_and(|took| took <= GONE_WITHIN);
    goals.check(
        met,
        "the orphan exits within 5 s, the lock still held",
        &measured,
    );
    goals.verdict(&server);
}
