//! Row X: a DBA (or a "kill long queries" job) cancels our backend with
//! `pg_cancel_backend` while its COMMIT waits for a synchronous standby. PostgreSQL
//! cannot undo a commit that is already in its WAL, so it does not fail the statement:
//! it stops waiting, sends a WARNING ("canceling wait for synchronous replication due
//! to user request", "The transaction has already committed locally, but might not
//! have been replicated to the standby.") and then reports success. The server drops
//! every notice, so before the fix the client got a 201 for a row that no standby has:
//! a failover then loses an acknowledged user.
//!
//! The goal: never a 201 for it. The outcome is unknown, so a 503 whose `detail` says
//! that the user may have been created and that retrying the same email answers 409
//! if so (row D); counted (`userapi_database_unconfirmed_commits_total` on the admin
//! port) and logged. The test also checks the detail's promise: the retry is a 409.
//!
//! A standby that never comes: `synchronous_standby_names = 'absent'` on a PostgreSQL
//! of the test's own (`ALTER SYSTEM` is cluster-wide).

use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::support::{self, figure};
use super::traffic::{Answer, post_user};
use super::{Goals, SERIAL, metric_sum, set_sync_standby, warm_server_on};

/// The counter the issue asks for: commits PostgreSQL made locally whose wait for a
/// synchronous standby was cancelled (answered 503, outcome unknown).
const UNCONFIRMED: &str = "userapi_database_unconfirmed_commits_total";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_sync_rep_wait_is_never_acknowledged() {
    let _turn = SERIAL.lock().await;
    let cluster = tokio::task::block_in_place(support::own_cluster);
    let config = cluster.config();
    let server = warm_server_on(&config).await;
    let admin = support::connect(&config).await;
    let before = metric_sum(server.admin(), UNCONFIRMED).await;

    set_sync_standby(&admin, &config, Some("absent")).await;
    let (answer, waited) = cancel_while_waiting(&admin, server.addr).await;
    let email = answer.email.as_str();
    set_sync_standby(&admin, &config, None).await;

    let mut goals = Goals::new("X (pg_cancel_backend during a sync-rep wait)");
    let detail = answer.detail();
    let got = format!(
        "{} {detail:?} ({:.2} s)",
        answer.status,
        answer.took.as_secs_f64()
    );
    goals.check(
        answer.status != 201,
        "never a 201 for the cancelled commit",
        &got,
    );
    let unknown =
        answer.status == 503 && detail.contains("may have been created") && detail.contains("409");
    goals.check(
        unknown,
        "a 503 whose detail says the user may have been created and a retry answers 409",
        &got,
    );
    let after = metric_sum(server.admin(), UNCONFIRMED).await;
    let counted = match (before, after) {
        (Some(before), Some(after)) => after - before,
        _ => f64::NAN,
    };
    goals.check(
        counted == 1.0,
        &format!("counted once in {UNCONFIRMED}"),
        &format!("{before:?} before, {after:?} after"),
    );
    let output = server.output();
    let logged = output
        .lines()
        .find(|line| line.contains("synchronous replication"));
    goals.check(
        logged.is_some(),
        "a log line with PostgreSQL's warning (synchronous replication)",
        logged.unwrap_or("no such line"),
    );
    // What PostgreSQL did with the row, and whether the detail's promise holds.
    let row = "SELECT count(*) FROM users WHERE email = $1";
    let present: i64 = admin.query_one(row, &[&email]).await.expect("row").get(0);
    let retry = post_user(server.addr, email).await;
    figure(&format!(
        "operator_faults X: cancelled {:.2} s into the wait; the row committed locally: {}; \
         the same POST again: {}",
        waited.as_secs_f64(),
        present == 1,
        retry.status
    ));
    goals.check(
        retry.status == 409,
        "retrying the same email answers 409 (the row exists)",
        &retry.status.to_string(),
    );
    goals.verdict(&server);
}

/// POSTs a user and, once our backend waits in `SyncRep`, cancels it; the POST's
/// answer (its `email` is the cancelled one) and how long the backend had waited. The
/// reload may reach the server's backend a moment after the test's own session: a POST
/// that commits without waiting is followed by another, under another email.
async fn cancel_while_waiting(admin: &Client, addr: std::net::SocketAddr) -> (Answer, Duration) {
    let waiting = "SELECT pid FROM pg_stat_activity WHERE application_name = 'userapi' \
                   AND backend_type = 'client backend' AND wait_event = 'SyncRep'";
    for attempt in 0..20 {
        let email = format!("cancelled-{attempt}@example.com");
        let post = tokio::spawn(async move { post_user(addr, &email).await });
        let sent = Instant::now();
        // Well within the 4 s call deadline, which would answer the POST itself.
        while !post.is_finished() && sent.elapsed() < Duration::from_secs(3) {
            if let Some(row) = admin.query_opt(waiting, &[]).await.expect("SyncRep") {
                let pid: i32 = row.get(0);
                let waited = sent.elapsed();
                let cancel = "SELECT pg_cancel_backend($1)";
                admin.query_one(cancel, &[&pid]).await.expect("cancel");
                return (post.await.expect("the POST"), waited);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let answer = post.await.expect("the POST");
        assert_eq!(answer.status, 201, "a POST before the reload: {answer:?}");
    }
    panic!("no COMMIT of ours ever waited for the absent standby");
}
