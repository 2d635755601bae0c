//! The users endpoints over HTTP against a real PostgreSQL: the seed's behaviour, the
//! reference's exact error shapes, and the 4xx we give where the reference gives 500.

mod support;

use serde_json::{Value, json};
use support::TestApp;

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
async fn lax_inputs_are_coerced_like_pydantic() {
    let app = TestApp::spawn().await;
    let cases = [
        (r#""28""#, 28),
        ("28.0", 28),
        ("true", 1),
        ("false", 0),
        (r#"" 7 ""#, 7),
    ];
    for (n, (age, expected)) in cases.into_iter().enumerate() {
        let body = format!(r#"{{"name":"N","email":"lax{n}@x.io","age":{age},"extra":[1]}}"#);
        let created = app.post_json("/users", &body).await;
        assert_eq!(created.status, 201, "age {age}: {}", created.text());
        assert_eq!(created.json()["age"], json!(expected), "age {age}");
        assert!(
            created.json().get("extra").is_none(),
            "unknown fields are ignored"
        );
    }
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
async fn every_field_error_is_reported_in_field_order() {
    let app = TestApp::spawn().await;
    let body = r#"{"name":5,"age":"x"}"#;
    let response = app.post_json("/users", body).await;
    assert_eq!(response.status, 422);
    let whole: Value = serde_json::from_str(body).expect("json");
    let expected = json!({"detail": [
        {"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string", "input": 5},
        {"type": "missing", "loc": ["body", "email"], "msg": "Field required", "input": whole},
        {"type": "int_parsing", "loc": ["body", "age"],
         "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "x"},
    ]});
    assert_eq!(response.json(), expected);
    // Key order inside each error is FastAPI's: type, loc, msg, input.
    assert!(
        response
            .text()
            .starts_with(r#"{"detail":[{"type":"string_type","loc":"#)
    );
}

#[tokio::test]
async fn null_and_fractional_ages_are_rejected_with_pydantics_types() {
    let app = TestApp::spawn().await;
    for (age, kind) in [("null", "int_type"), ("28.5", "int_from_float")] {
        let body = format!(r#"{{"name":"N","email":"e@x.io","age":{age}}}"#);
        let response = app.post_json("/users", &body).await;
        assert_eq!(response.status, 422);
        assert_eq!(
            response.json()["detail"][0]["type"],
            json!(kind),
            "age {age}"
        );
        assert_eq!(response.json()["detail"][0]["loc"], json!(["body", "age"]));
    }
}

#[tokio::test]
async fn bodies_that_are_not_an_object() {
    let app = TestApp::spawn().await;
    let response = app.post_json("/users", "[1,2]").await;
    assert_eq!(response.status, 422);
    let expected = json!({"detail": [{"type": "model_attributes_type", "loc": ["body"],
        "msg": "Input should be a valid dictionary or object to extract fields from",
        "input": [1, 2]}]});
    assert_eq!(response.json(), expected);

    let empty = app.post_json("/users", "").await;
    let expected = json!({"detail": [{"type": "missing", "loc": ["body"],
        "msg": "Field required", "input": null}]});
    assert_eq!((empty.status, empty.json()), (422, expected));

    let text = [("Content-Type", "text/plain")];
    let plain = support::http::send(app.addr, "POST", "/users", &text, b"name=x").await;
    assert_eq!(plain.status, 422);
    assert_eq!(
        plain.json()["detail"][0]["type"],
        json!("model_attributes_type")
    );
    assert_eq!(plain.json()["detail"][0]["input"], json!("name=x"));
}

#[tokio::test]
async fn malformed_json_is_json_invalid_with_the_offset() {
    let app = TestApp::spawn().await;
    let response = app.post_json("/users", r#"{"name": }"#).await;
    assert_eq!(response.status, 422);
    let detail = &response.json()["detail"][0];
    assert_eq!(detail["type"], json!("json_invalid"));
    assert_eq!(detail["loc"], json!(["body", 9]));
    assert_eq!(detail["msg"], json!("JSON decode error"));
    assert_eq!(detail["input"], json!({}));
    assert!(detail["ctx"]["error"].is_string(), "{detail}");
}

#[tokio::test]
async fn a_duplicate_email_is_409_not_500() {
    let app = TestApp::spawn().await;
    app.create_user("First", "same@x.io", 1).await;
    let again = app
        .post_json("/users", r#"{"name":"Second","email":"same@x.io","age":2}"#)
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(
        again.json(),
        json!({"detail": "A user with this email already exists"})
    );
    assert_eq!(
        app.get("/users").await.json().as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn over_long_strings_are_422_counted_in_characters() {
    let app = TestApp::spawn().await;
    // 100 two-byte characters fit VARCHAR(100); 101 do not.
    let fits = format!(
        r#"{{"name":"{}","email":"fits@x.io","age":1}}"#,
        "é".repeat(100)
    );
    assert_eq!(app.post_json("/users", &fits).await.status, 201);
    let long = "n".repeat(101);
    let body = format!(
        r#"{{"name":"{long}","email":"{}@x.io","age":1}}"#,
        "e".repeat(251)
    );
    let response = app.post_json("/users", &body).await;
    assert_eq!(response.status, 422);
    let expected = json!({"detail": [
        {"type": "string_too_long", "loc": ["body", "name"],
         "msg": "String should have at most 100 characters", "input": long, "ctx": {"max_length": 100}},
        {"type": "string_too_long", "loc": ["body", "email"],
         "msg": "String should have at most 255 characters",
         "input": format!("{}@x.io", "e".repeat(251)), "ctx": {"max_length": 255}},
    ]});
    assert_eq!(response.json(), expected);
}

#[tokio::test]
async fn ages_outside_postgres_integer_are_422() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "2147483648",
            "less_than_equal",
            "Input should be less than or equal to 2147483647",
            json!({"le": 2147483647_i64}),
        ),
        (
            "-2147483649",
            "greater_than_equal",
            "Input should be greater than or equal to -2147483648",
            json!({"ge": -2147483648_i64}),
        ),
    ];
    for (age, kind, msg, ctx) in cases {
        let body = format!(r#"{{"name":"N","email":"e@x.io","age":{age}}}"#);
        let response = app.post_json("/users", &body).await;
        assert_eq!(response.status, 422, "{age}");
        let input: Value = serde_json::from_str(age).expect("a number");
        let expected =
            json!({"type": kind, "loc": ["body", "age"], "msg": msg, "input": input, "ctx": ctx});
        assert_eq!(response.json()["detail"], json!([expected]));
    }
    let edge = r#"{"name":"N","email":"max@x.io","age":2147483647}"#;
    assert_eq!(app.post_json("/users", edge).await.status, 201);
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
