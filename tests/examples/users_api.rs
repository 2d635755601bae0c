//! Chapter 4 against a fresh database of the tests' throwaway PostgreSQL: the seed's
//! routes over the table init.sql makes, the 409 and 503 where the reference answers
//! 500, and one connection however many requests come at once.

use serde_json::json;
use tokio_postgres::config::Host;

use super::chapter::Chapter;
use super::in_memory::assert_routing;
use super::support::{self, TestDatabase, http};

/// The client connections to the test's database other than the asking one: the
/// chapter's (autovacuum and other background workers left out).
const OTHER_CLIENTS: &str = "FROM pg_stat_activity WHERE datname = current_database() \
    AND pid <> pg_backend_pid() AND backend_type = 'client backend'";

/// Chapter 4 on `database`, through the seed's `DB_*` variables.
fn start(database: &tokio_postgres::Config) -> Chapter {
    let host = match database.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let password = database.get_password().unwrap_or(b"unused");
    let env = [
        ("DB_HOST", host),
        (
            "DB_PORT",
            database.get_ports().first().unwrap_or(&5432).to_string(),
        ),
        (
            "DB_NAME",
            database.get_dbname().unwrap_or("postgres").to_string(),
        ),
        (
            "DB_USER",
            database.get_user().unwrap_or("postgres").to_string(),
        ),
        (
            "DB_PASSWORD",
            String::from_utf8_lossy(password).into_owned(),
        ),
    ];
    Chapter::start("ch4_users_api", &env)
}

#[tokio::test]
async fn ch4_users_api_keeps_users_in_postgresql() {
    let database = TestDatabase::create().await;
    let chapter = start(&database.config);
    assert_eq!(chapter.get("/").await.json(), json!({"status": "ok"}));
    assert_eq!(chapter.get("/users").await.json(), json!([]));
    let body = r#"{"name": "Alice", "email": "alice@example.com", "age": 28}"#;
    let created = chapter.post_json("/users", body).await;
    assert_eq!(
        created.status,
        201,
        "{}\n{}",
        created.text(),
        chapter.output()
    );
    let id = created.json()["id"].as_i64().expect("an integer id");
    let alice = json!({"id": id, "name": "Alice", "email": "alice@example.com", "age": 28});
    assert_eq!(created.json(), alice);
    assert_eq!(chapter.get(&format!("/users/{id}")).await.json(), alice);
    assert_eq!(chapter.get("/users").await.json(), json!([alice]));
    assert_eq!(chapter.get("/users/99999").await.status, 404);
    assert_eq!(chapter.get("/users/abc").await.status, 422);
    // The row is in the table, behind the API's back too.
    let admin = support::connect(&database.config).await;
    let (sql, id) = ("SELECT name, age FROM users WHERE id = $1", id as i32);
    let row = admin.query_one(sql, &[&id]).await.expect("the row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, Option<i32>>(1)),
        ("Alice".into(), Some(28))
    );
    assert_routing(&chapter).await;
}

#[tokio::test]
async fn ch4_users_api_answers_409_for_a_taken_email() {
    let database = TestDatabase::create().await;
    let chapter = start(&database.config);
    let body = r#"{"name": "Bob", "email": "bob@example.com", "age": 30}"#;
    assert_eq!(chapter.post_json("/users", body).await.status, 201);
    let taken = chapter.post_json("/users", body).await;
    assert_eq!(taken.status, 409, "{}", taken.text());
    assert_eq!(
        taken.json(),
        json!({"detail": "A user with this email already exists"})
    );
    // Validation still comes first: test_api.py's invalid body is a 422.
    let invalid = r#"{"name": "Bob", "email": "bob@example.com", "age": "not-a-number"}"#;
    assert_eq!(chapter.post_json("/users", invalid).await.status, 422);
}

#[tokio::test]
async fn ch4_users_api_uses_one_connection_for_concurrent_requests() {
    let database = TestDatabase::create().await;
    let chapter = start(&database.config);
    let mut posts = tokio::task::JoinSet::new();
    for n in 0..20 {
        let (addr, json) = (chapter.addr, [("Content-Type", "application/json")]);
        let body = format!(r#"{{"name": "N{n}", "email": "n{n}@example.com", "age": {n}}}"#);
        posts
            .spawn(async move { http::send(addr, "POST", "/users", &json, body.as_bytes()).await });
    }
    let mut ids = Vec::new();
    while let Some(response) = posts.join_next().await {
        let response = response.expect("a POST task");
        assert_eq!(response.status, 201, "{}", response.text());
        ids.push(response.json()["id"].as_i64().expect("an id"));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "every user got an id of its own");
    let admin = support::connect(&database.config).await;
    let count = format!("SELECT count(*) {OTHER_CLIENTS}");
    let connections: i64 = admin.query_one(&count, &[]).await.expect("count").get(0);
    assert_eq!(connections, 1, "the chapter's one client, and no other");
}

#[tokio::test]
async fn ch4_users_api_answers_503_when_the_database_is_gone() {
    let database = TestDatabase::create().await;
    let chapter = start(&database.config);
    assert_eq!(chapter.get("/users").await.status, 200);
    let admin = support::connect(&database.config).await;
    let terminate = format!("SELECT count(pg_terminate_backend(pid)) {OTHER_CLIENTS}");
    let terminated: i64 = admin
        .query_one(&terminate, &[])
        .await
        .expect("terminate")
        .get(0);
    assert_eq!(terminated, 1, "the chapter's connection");
    let unavailable = json!({"detail": "Database unavailable, please retry shortly"});
    let listed = chapter.get("/users").await;
    assert_eq!((listed.status, listed.json()), (503, unavailable.clone()));
    let body = r#"{"name": "Carol", "email": "carol@example.com", "age": 41}"#;
    let created = chapter.post_json("/users", body).await;
    assert_eq!((created.status, created.json()), (503, unavailable));
    // The cause is logged for the operator; the client saw only the detail above.
    assert!(
        chapter.until_printed("database").await,
        "{}",
        chapter.output()
    );
}
