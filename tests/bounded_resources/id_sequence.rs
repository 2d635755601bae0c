//! A taken email burns no id: duplicate POSTs must not call `nextval`, or a client
//! repeating one could exhaust the INTEGER sequence (every later POST would be a 500).

use tokio::task::JoinSet;

use super::support::TestApp;

async fn sequence_value(app: &TestApp) -> i64 {
    let client = super::support::connect(&app.database).await;
    let row = client
        .query_one("SELECT last_value FROM users_id_seq", &[])
        .await
        .expect("read users_id_seq");
    row.get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_posts_do_not_move_the_id_sequence() {
    let app = TestApp::spawn().await;
    app.create_user("First", "taken@x.io", 30).await;
    let before = sequence_value(&app).await;
    // Concurrent, so the duplicates arrive in batches, several in one statement.
    let body = r#"{"name":"Again","email":"taken@x.io","age":31}"#;
    for _round in 0..10 {
        let mut posts = JoinSet::new();
        for _ in 0..50 {
            let addr = app.addr;
            posts.spawn(async move {
                let json = [("Content-Type", "application/json")];
                super::support::http::send(addr, "POST", "/users", &json, body.as_bytes()).await
            });
        }
        while let Some(response) = posts.join_next().await {
            assert_eq!(response.expect("POST task").status, 409);
        }
    }
    let after = sequence_value(&app).await;
    super::support::figure(&format!(
        "id sequence: 500 duplicate POSTs moved users_id_seq by {}",
        after - before
    ));
    assert!(
        after - before <= 10,
        "500 duplicates moved the sequence by {}",
        after - before
    );
    // A new email still gets the next id.
    let id = app.create_user("New", "new@x.io", 1).await;
    assert_eq!(id, after + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_batch_of_one_email_inserts_once_and_burns_one_id() {
    let app = TestApp::spawn().await;
    let mut posts = JoinSet::new();
    for n in 0..40 {
        let addr = app.addr;
        posts.spawn(async move {
            let body = format!(r#"{{"name":"Same{n}","email":"same@x.io","age":{n}}}"#);
            let json = [("Content-Type", "application/json")];
            super::support::http::send(addr, "POST", "/users", &json, body.as_bytes()).await
        });
    }
    let mut created = Vec::new();
    while let Some(response) = posts.join_next().await {
        let response = response.expect("POST task");
        match response.status {
            201 => created.push(response.json()["id"].as_i64()),
            409 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    // One row, id 1, and the sequence's last value is that 1.
    assert_eq!(created, [Some(1)]);
    assert_eq!(sequence_value(&app).await, 1);
}
