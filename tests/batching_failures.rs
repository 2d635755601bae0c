//! The connection dying while a batch is inside PostgreSQL: the batch's requests get
//! 503s, no 201 is sent for a row that is not there, and a read batch is read again on
//! the next connection.
//!
//! To have a batch *inside* PostgreSQL when the connection dies, a test holds a table
//! lock and waits until `pg_stat_activity` shows the server's backend waiting for it (a
//! condition, not a delay), then terminates that backend.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use support::TestApp;
use tokio_postgres::Client;

/// A transaction holding `mode` on the users table until its client says ROLLBACK.
async fn lock_the_users_table(app: &TestApp, mode: &str) -> Client {
    let admin = support::connect(&app.database).await;
    let lock = format!("BEGIN; LOCK TABLE users IN {mode} MODE");
    admin.batch_execute(&lock).await.expect("lock the table");
    admin
}

/// SQL that counts the server's backends waiting for a lock. Only this test's database:
/// the tests of this file run at once, each with a server of its own, and one test's
/// lock wait must not pass for another's.
const SERVER_WAITING_FOR_A_LOCK: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE application_name = 'userapi' AND wait_event_type = 'Lock' \
     AND datname = current_database()";

/// Polls until the server's backend is blocked on a lock: its batch is inside PostgreSQL.
async fn until_the_server_waits_for_a_lock(observer: &Client) {
    loop {
        let waiting = observer
            .query_one(SERVER_WAITING_FOR_A_LOCK, &[])
            .await
            .expect("look at pg_stat_activity");
        if waiting.get::<_, i64>(0) > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn terminate_the_servers_backend(admin: &Client) {
    admin
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'userapi' AND datname = current_database()",
        )
        .await
        .expect("terminate the server's backend");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_dying_mid_batch_answers_503_and_loses_no_201() {
    let app = TestApp::spawn().await;
    app.create_user("Warm", "warm@x.io", 0).await;
    // SHARE mode lets reads through and makes every INSERT wait.
    let admin = lock_the_users_table(&app, "SHARE").await;
    let posts: Vec<_> = (0..30)
        .map(|n| {
            let addr = app.addr;
            tokio::spawn(async move {
                let email = format!("p{n}@x.io");
                let body = json!({"name": "P", "email": email, "age": n}).to_string();
                let json = [("Content-Type", "application/json")];
                let response =
                    support::http::send(addr, "POST", "/users", &json, body.as_bytes()).await;
                (email, response)
            })
        })
        .collect();
    let observer = support::connect(&app.database).await;
    until_the_server_waits_for_a_lock(&observer).await;
    terminate_the_servers_backend(&observer).await;
    admin.batch_execute("ROLLBACK").await.expect("unlock");

    let mut answers = Vec::new();
    for post in posts {
        answers.push(post.await.expect("POST task"));
    }
    let stored: HashSet<String> = observer
        .query("SELECT email FROM users", &[])
        .await
        .expect("read the users table")
        .iter()
        .map(|row| row.get(0))
        .collect();
    for (email, response) in &answers {
        match response.status {
            // Acknowledged, so stored.
            201 => assert!(stored.contains(email), "201 for {email}, no row"),
            // The batch that was killed was rolled back: nothing half-done.
            503 => assert!(!stored.contains(email), "503 for {email}, a row"),
            other => panic!("{email}: {other} {}", response.text()),
        }
    }
    let cut = answers.iter().filter(|(_, r)| r.status == 503).count();
    assert!(cut > 0, "the batch inside PostgreSQL was cut");
    assert!(stored.contains("warm@x.io"));
    // And the server carries on, on a new connection.
    app.create_user("After", "after@x.io", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_batch_cut_by_a_dying_connection_is_read_again_on_the_next_one() {
    let app = TestApp::spawn().await;
    let id = app.create_user("Kept", "kept@x.io", 7).await;
    // ACCESS EXCLUSIVE makes even reads wait.
    let admin = lock_the_users_table(&app, "ACCESS EXCLUSIVE").await;
    let reads: Vec<_> = (0..10)
        .map(|_| {
            let addr = app.addr;
            let path = format!("/users/{id}");
            tokio::spawn(async move { support::http::send(addr, "GET", &path, &[], b"").await })
        })
        .collect();
    let observer = support::connect(&app.database).await;
    until_the_server_waits_for_a_lock(&observer).await;
    terminate_the_servers_backend(&observer).await;
    // The read runs again on a new connection and waits for the lock once more.
    until_the_server_waits_for_a_lock(&observer).await;
    admin.batch_execute("ROLLBACK").await.expect("unlock");

    for read in reads {
        let response = read.await.expect("GET task");
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(response.json()["email"], json!("kept@x.io"));
    }
}
