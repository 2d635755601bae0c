//! Where the reference answers 500 and we answer a 4xx: a taken email (409), strings
//! longer than their VARCHAR (422) and ages beyond PostgreSQL's INTEGER (422).

use super::support::TestApp;
use serde_json::{Value, json};

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
