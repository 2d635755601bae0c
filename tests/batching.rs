//! Batching's edge cases: duplicate emails inside one batch, a row PostgreSQL refuses
//! among good ones, ids asked twice or missing, and the connection dying while a batch
//! is inside PostgreSQL (503s, and no 201 whose row is missing).
//!
//! Which requests share a batch depends on timing, so the per-batch rules are tested on
//! the batch functions themselves, with a batch built by hand; the HTTP tests check
//! that concurrent requests get the right answers however they were batched. Where a
//! test needs a batch to be *inside* PostgreSQL, it holds a table lock and waits until
//! `pg_stat_activity` shows the server's backend waiting for it: a condition, not a delay.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use support::TestApp;
use tokio::time::Instant;
use tokio_postgres::Client;
use userapi::DATABASE_SETUP;
use userapi::db::Database;
use userapi::schemas::user::UserCreate;
use userapi::services::user_batches::{Created, find_users, insert_users};
use userapi::services::user_service::ServiceError;

/// Runs `(name, email, age)`s as one insert batch, on a connection of the test's own.
async fn insert_as_one_batch(app: &TestApp, users: &[(&str, &str, i32)]) -> Vec<Created> {
    let db = Database::start(app.database.clone(), DATABASE_SETUP);
    let users = users.iter().map(|&(name, email, age)| UserCreate {
        name: name.to_owned(),
        email: email.to_owned(),
        age,
    });
    insert_users(db, Instant::now(), users.collect())
        .await
        .expect("the batch runs")
}

/// `(name, age)` of every user, by email, read behind the API's back.
async fn rows_by_email(client: &Client) -> HashMap<String, (String, Option<i32>)> {
    let rows = client
        .query("SELECT name, email, age FROM users", &[])
        .await
        .expect("read the users table");
    let row = |r: &tokio_postgres::Row| (r.get(1), (r.get(0), r.get(2)));
    rows.iter().map(row).collect()
}

#[tokio::test]
async fn inside_one_batch_the_first_request_for_an_email_wins_and_the_others_get_409() {
    let app = TestApp::spawn().await;
    app.create_user("Old", "taken@x.io", 1).await;

    let answers = insert_as_one_batch(
        &app,
        &[
            ("First", "dup@x.io", 1),
            ("Second", "dup@x.io", 2),
            ("Fresh", "fresh@x.io", 3),
            ("Late", "taken@x.io", 4),
            ("Third", "dup@x.io", 5),
        ],
    )
    .await;

    let first = answers[0].as_ref().expect("the first request for dup@x.io");
    assert_eq!((first.name.as_str(), first.age), ("First", Some(1)));
    assert!(matches!(answers[1], Err(ServiceError::EmailTaken)));
    let fresh = answers[2].as_ref().expect("fresh@x.io is new");
    assert!(fresh.id > first.id, "ids follow the order of the requests");
    assert!(matches!(answers[3], Err(ServiceError::EmailTaken)));
    assert!(matches!(answers[4], Err(ServiceError::EmailTaken)));

    let rows = rows_by_email(&support::connect(&app.database).await).await;
    assert_eq!(rows["dup@x.io"], ("First".to_owned(), Some(1)));
    assert_eq!(rows["taken@x.io"], ("Old".to_owned(), Some(1)));
    assert_eq!(rows.len(), 3);
}

#[tokio::test]
async fn a_row_postgres_refuses_fails_alone_and_the_rest_of_its_batch_is_created() {
    let app = TestApp::spawn().await;
    let admin = support::connect(&app.database).await;
    // Once the server has connected (and so created the table), a rule the API does
    // not know about, added behind its back.
    assert_eq!(app.get("/users").await.status, 200);
    admin
        .batch_execute("ALTER TABLE users ADD CONSTRAINT no_bad_names CHECK (name <> 'Bad')")
        .await
        .expect("add a CHECK constraint");

    let answers = insert_as_one_batch(
        &app,
        &[
            ("Good", "good@x.io", 1),
            ("Bad", "bad@x.io", 2),
            ("Also good", "also@x.io", 3),
            ("Twin", "good@x.io", 4),
        ],
    )
    .await;

    assert_eq!(
        answers[0].as_ref().map(|u| u.name.as_str()).ok(),
        Some("Good")
    );
    assert!(matches!(answers[1], Err(ServiceError::Unexpected(_))));
    assert_eq!(answers[2].as_ref().map(|u| u.age).ok(), Some(Some(3)));
    assert!(matches!(answers[3], Err(ServiceError::EmailTaken)));
    let rows = rows_by_email(&admin).await;
    let mut emails: Vec<_> = rows.keys().map(String::as_str).collect();
    emails.sort_unstable();
    assert_eq!(emails, ["also@x.io", "good@x.io"]);
}

#[tokio::test]
async fn a_batch_of_ids_answers_each_request_including_repeats_and_missing_ones() {
    let app = TestApp::spawn().await;
    let a = app.create_user("A", "a@x.io", 1).await as i32;
    let b = app.create_user("B", "b@x.io", 2).await as i32;
    let db = Database::start(app.database.clone(), DATABASE_SETUP);

    let answers = find_users(db, Instant::now(), vec![b, 999_999, a, b])
        .await
        .expect("the batch runs");
    let names: Vec<Option<&str>> = answers
        .iter()
        .map(|user| user.as_ref().map(|u| u.name.as_str()))
        .collect();
    assert_eq!(names, [Some("B"), None, Some("A"), Some("B")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_of_one_email_create_it_once_and_the_rest_get_409() {
    let app = TestApp::spawn().await;
    let posts: Vec<_> = (0..40)
        .map(|n| {
            let addr = app.addr;
            tokio::spawn(async move {
                let body = json!({"name": format!("N{n}"), "email": "same@x.io", "age": n});
                let json = [("Content-Type", "application/json")];
                let body = body.to_string();
                support::http::send(addr, "POST", "/users", &json, body.as_bytes()).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut winner = None;
    for post in posts {
        let response = post.await.expect("POST task");
        if response.status == 201 {
            winner = Some(response.json());
        } else {
            assert_eq!(
                response.json(),
                json!({"detail": "A user with this email already exists"})
            );
        }
        statuses.push(response.status);
    }
    assert_eq!(statuses.iter().filter(|&&s| s == 201).count(), 1);
    assert_eq!(statuses.iter().filter(|&&s| s == 409).count(), 39);
    // The 201 describes the row that was stored.
    let winner = winner.expect("one 201");
    let stored = app.get("/users").await.json();
    assert_eq!(stored, json!([winner]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lists_each_get_the_whole_table() {
    let app = TestApp::spawn().await;
    for n in 0..20 {
        app.create_user(&format!("U{n}"), &format!("u{n}@x.io"), n)
            .await;
    }
    let expected = app.get("/users").await.text();
    let lists: Vec<_> = (0..16)
        .map(|_| {
            let addr = app.addr;
            tokio::spawn(async move { support::http::send(addr, "GET", "/users", &[], b"").await })
        })
        .collect();
    for list in lists {
        let response = list.await.expect("GET task");
        assert_eq!((response.status, response.text()), (200, expected.clone()));
    }
}

/// A transaction holding `mode` on the users table until its client says ROLLBACK.
async fn lock_the_users_table(app: &TestApp, mode: &str) -> Client {
    let admin = support::connect(&app.database).await;
    let lock = format!("BEGIN; LOCK TABLE users IN {mode} MODE");
    admin.batch_execute(&lock).await.expect("lock the table");
    admin
}

/// SQL that counts the server's backends waiting for a lock.
const SERVER_WAITING_FOR_A_LOCK: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE application_name = 'userapi' AND wait_event_type = 'Lock'";

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
             WHERE application_name = 'userapi'",
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
    let rows = rows_by_email(&observer).await;
    for (email, response) in &answers {
        match response.status {
            // Acknowledged, so stored.
            201 => assert!(rows.contains_key(email), "201 for {email}, no row"),
            // The batch that was killed was rolled back: nothing half-done.
            503 => assert!(!rows.contains_key(email), "503 for {email}, a row"),
            other => panic!("{email}: {other} {}", response.text()),
        }
    }
    let cut = answers.iter().filter(|(_, r)| r.status == 503).count();
    assert!(cut > 0, "the batch inside PostgreSQL was cut");
    assert!(rows.contains_key("warm@x.io"));
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
