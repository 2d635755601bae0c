//! Batching's rules: duplicate emails inside one batch, a row PostgreSQL refuses among
//! good ones, ids asked twice or missing, concurrent requests answered right however
//! they were batched. (The connection dying mid-batch: `batching_failures.rs`.)
//!
//! Which requests share a batch depends on timing, so the per-batch rules are tested on
//! the batch functions themselves, with a batch built by hand; the HTTP tests check
//! that concurrent requests get the right answers however they were batched.

mod support;

use std::collections::HashMap;

use serde_json::json;
use support::TestApp;
use tokio::time::Instant;
use tokio_postgres::Client;
use userapi::db::{Database, Reads};
use userapi::schemas::user::UserCreate;
use userapi::services::error::ServiceError;
use userapi::services::user_batches::{Created, find_users, insert_users};
use userapi::services::user_service::UserService;

/// Runs `(name, email, age)`s as one insert batch, on a connection of the test's own.
async fn insert_as_one_batch(app: &TestApp, users: &[(&str, &str, i32)]) -> Vec<Created> {
    let db = Database::start(app.database.clone(), UserService::DATABASE_SETUP);
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
    let db = Database::start(app.database.clone(), UserService::DATABASE_SETUP);

    let answers = find_users(
        Reads::primary_only(db),
        Instant::now(),
        vec![b, 999_999, a, b],
    )
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
