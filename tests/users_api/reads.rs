//! Creating a user and reading it back: by id, in the list, with or without the
//! trailing slash; what a missing or non-integer id answers; rows written behind the
//! API's back and SQL metacharacters read back verbatim.

use super::support::{self, TestApp};
use serde_json::{Value, json};

#[tokio::test]
async fn create_then_read_back_by_id_and_in_the_list() {
    let app = TestApp::spawn().await;
    let created = app
        .post_json(
            "/users",
            r#"{"name":"Alice","email":"alice@example.com","age":30}"#,
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.header("content-type"), Some("application/json"));
    let id = created.json()["id"].as_i64().expect("an id");
    let alice = json!({"id": id, "name": "Alice", "email": "alice@example.com", "age": 30});
    // Compact JSON with the keys in the model's order, as FastAPI serialises.
    assert_eq!(created.text(), alice.to_string());

    let one = app.get(&format!("/users/{id}")).await;
    assert_eq!((one.status, one.json()), (200, alice.clone()));
    let all = app.get("/users").await;
    assert_eq!((all.status, all.json()), (200, json!([alice])));
}

#[tokio::test]
async fn trailing_slashes_are_served_directly_without_a_redirect() {
    let app = TestApp::spawn().await;
    let created = app
        .post_json("/users/", r#"{"name":"B","email":"b@x.io","age":1}"#)
        .await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_i64().expect("an id");
    assert_eq!(
        app.get("/users/").await.json().as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(app.get(&format!("/users/{id}/")).await.status, 200);
}

#[tokio::test]
async fn the_list_is_ordered_by_id() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            app.create_user(&format!("U{n}"), &format!("u{n}@x.io"), n)
                .await,
        );
    }
    let listed: Vec<i64> = app
        .get("/users")
        .await
        .json()
        .as_array()
        .expect("an array")
        .iter()
        .map(|user| user["id"].as_i64().expect("an id"))
        .collect();
    assert_eq!(listed, ids);
}

#[tokio::test]
async fn an_empty_table_lists_as_an_empty_array() {
    let app = TestApp::spawn().await;
    let all = app.get("/users").await;
    assert_eq!((all.status, all.text()), (200, "[]".to_owned()));
}

#[tokio::test]
async fn a_missing_user_is_404_and_impossible_ids_too() {
    let app = TestApp::spawn().await;
    for path in [
        "/users/99999",
        "/users/-1",
        "/users/2147483648",
        "/users/99999999999999999999",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(
            response.json(),
            json!({"detail": "User not found"}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_non_integer_id_is_a_422_at_the_path_parameter() {
    let app = TestApp::spawn().await;
    let response = app.get("/users/abc").await;
    assert_eq!(response.status, 422);
    let expected = json!({"detail": [{
        "type": "int_parsing", "loc": ["path", "user_id"],
        "msg": "Input should be a valid integer, unable to parse string as an integer",
        "input": "abc"}]});
    assert_eq!(response.json(), expected);
}

#[tokio::test]
async fn a_row_with_null_age_inserted_behind_the_api_reads_as_null() {
    let app = TestApp::spawn().await;
    app.create_user("Made", "made@x.io", 5).await; // the server creates the table
    let client = support::connect(&app.database).await;
    let row = client
        .query_one(
            "INSERT INTO users (name, email) VALUES ('Old', 'old@x.io') RETURNING id",
            &[],
        )
        .await
        .expect("insert a row without age");
    let id: i32 = row.get(0);
    let one = app.get(&format!("/users/{id}")).await;
    assert_eq!(
        one.text(),
        format!(r#"{{"id":{id},"name":"Old","email":"old@x.io","age":null}}"#)
    );
    assert_eq!(app.get("/users").await.json()[1]["age"], Value::Null);
}

#[tokio::test]
async fn sql_metacharacters_are_stored_verbatim() {
    let app = TestApp::spawn().await;
    let name = r#"Robert'); DROP TABLE users;-- \ " %_"#;
    let body = json!({"name": name, "email": "bobby@x.io", "age": 9}).to_string();
    let created = app.post_json("/users", &body).await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_i64().expect("an id");
    assert_eq!(
        app.get(&format!("/users/{id}")).await.json()["name"],
        json!(name)
    );
}
