//! The one shared connection under trouble: PostgreSQL down, restarted, or its backend
//! killed, and under concurrent load (where it must stay one connection).

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::TestApp;
use tokio_postgres::Config;

/// The issue's promise: a 503 within 5 s at most, never a hang.
const PROMPT_503: Duration = Duration::from_secs(5);

#[tokio::test]
async fn with_postgres_down_db_routes_answer_503_quickly_and_health_stays_up() {
    let nobody_listens = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = nobody_listens.local_addr().expect("addr").port();
    drop(nobody_listens);
    let mut config = Config::new();
    config
        .host("127.0.0.1")
        .port(port)
        .user("postgres")
        .password("s3cret-pw")
        .dbname("appdb");
    let app = TestApp::start(config).await;

    assert_eq!(app.get("/").await.status, 200);
    for (method, path) in [("GET", "/users"), ("GET", "/users/1"), ("POST", "/users")] {
        let started = Instant::now();
        let response = if method == "POST" {
            app.post_json(path, r#"{"name":"N","email":"e@x.io","age":1}"#)
                .await
        } else {
            app.get(path).await
        };
        assert!(
            started.elapsed() < PROMPT_503,
            "{method} {path} took {:?}",
            started.elapsed()
        );
        assert_eq!(response.status, 503, "{method} {path}");
        assert_eq!(response.header("retry-after"), Some("1"));
        assert_eq!(
            response.json(),
            json!({"detail": "Database unavailable, please retry shortly"})
        );
        assert!(!response.text().contains("s3cret-pw"));
    }
    // Validation needs no database: a bad body is still a 422, not a 503.
    assert_eq!(app.post_json("/users", "[]").await.status, 422);
}

#[tokio::test]
async fn the_server_survives_postgres_restarting() {
    let mut cluster = support::own_cluster();
    let app = TestApp::start(cluster.config()).await;
    let id = app.create_user("Before", "before@x.io", 1).await;

    cluster.stop(true);
    let during = app.get(&format!("/users/{id}")).await;
    assert_eq!(during.status, 503);

    cluster.start_server().expect("restart PostgreSQL");
    // The very next request succeeds: the server reconnects on its own and a request
    // waits (boundedly) for the new connection instead of failing at once.
    let after = app.get(&format!("/users/{id}")).await;
    assert_eq!(after.status, 200, "{}", after.text());
    assert_eq!(after.json()["email"], json!("before@x.io"));
    assert_eq!(
        app.post_json("/users", r#"{"name":"A","email":"after@x.io","age":2}"#)
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn the_server_survives_its_backend_being_terminated() {
    let app = TestApp::spawn().await;
    let id = app.create_user("Kept", "kept@x.io", 3).await;
    let terminated = support::terminate_server_backends(&app.database).await;
    assert_eq!(terminated, 1, "the server holds exactly one connection");

    let after = app.get(&format!("/users/{id}")).await;
    assert_eq!(after.status, 200, "{}", after.text());
}

#[tokio::test]
async fn a_statement_postgres_never_answers_is_a_503_within_the_deadline() {
    let app = TestApp::spawn().await;
    let id = app.create_user("Locked", "locked@x.io", 5).await;
    // Another session holds the table: the server's SELECT waits for the lock, and
    // PostgreSQL says nothing until it is released.
    let holder = support::connect(&app.database).await;
    holder
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock the table");

    let started = Instant::now();
    let stuck = app.get(&format!("/users/{id}")).await;
    assert!(
        started.elapsed() < PROMPT_503,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(stuck.status, 503, "{}", stuck.text());

    // Once the lock goes, the queued statement finishes and the connection serves again.
    holder
        .batch_execute("COMMIT")
        .await
        .expect("release the lock");
    let after = app.get(&format!("/users/{id}")).await;
    assert_eq!(after.status, 200, "{}", after.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_load_goes_through_one_connection() {
    let app = TestApp::spawn().await;
    let id = app.create_user("Load", "load@x.io", 4).await;
    let observer = support::connect(&app.database).await;
    let count_sql = "SELECT count(*) FROM pg_stat_activity \
                     WHERE datname = current_database() AND application_name = 'userapi'";

    let clients: Vec<_> = (0..64)
        .map(|n| {
            let addr = app.addr;
            tokio::spawn(async move {
                for round in 0..20 {
                    let path = if round % 2 == 0 {
                        format!("/users/{id}")
                    } else {
                        "/users".into()
                    };
                    let response = support::http::send(addr, "GET", &path, &[], b"").await;
                    assert_eq!(response.status, 200, "client {n}");
                }
            })
        })
        .collect();
    let mut samples = Vec::new();
    while clients.iter().any(|client| !client.is_finished()) {
        let row = observer
            .query_one(count_sql, &[])
            .await
            .expect("count connections");
        samples.push(row.get::<_, i64>(0));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for client in clients {
        client.await.expect("client task");
    }
    assert!(!samples.is_empty());
    assert!(
        samples.iter().all(|&n| n == 1),
        "connections seen under load: {samples:?}"
    );
}
