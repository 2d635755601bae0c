//! Chapters 1-3, which keep their users in memory: what each one's `//!` promises, and
//! the 404/405 of chapter 2's router in every chapter after it.

use serde_json::{Value, json};

use super::chapter::Chapter;

const INT_PARSING: &str = "Input should be a valid integer, unable to parse string as an integer";

#[tokio::test]
async fn ch1_hello_answers_the_health_check() {
    let chapter = Chapter::start("ch1_hello", &[]);
    let response = chapter.get("/").await;
    assert_eq!(response.status, 200, "{}", chapter.output());
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn ch2_routes_serves_users_from_memory() {
    let chapter = Chapter::start("ch2_routes", &[]);
    assert_eq!(chapter.get("/").await.json(), json!({"status": "ok"}));
    assert_eq!(chapter.get("/users").await.json(), json!([]));
    let created = chapter.send("POST", "/users").await;
    assert_eq!(created.status, 201, "{}", created.text());
    let alice = json!({"id": 1, "name": "Alice", "email": "alice@example.com", "age": 28});
    assert_eq!(created.json(), alice);
    assert_eq!(chapter.get("/users").await.json(), json!([alice]));
    assert_eq!(chapter.get("/users/").await.json(), json!([alice]));
    assert_eq!(chapter.get("/users/1").await.json(), alice);
    let missing = chapter.get("/users/2").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json(), json!({"detail": "User not found"}));
    assert_routing(&chapter).await;
}

/// Chapter 2's router: Starlette's 404 and 405 (with `Allow`), in chapters 2-4.
pub async fn assert_routing(chapter: &Chapter) {
    let unknown = chapter.get("/nope").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json(), json!({"detail": "Not Found"}));
    // `Allow` names the methods of the first route on the path, as Starlette's does.
    let wrong_methods = [
        ("POST", "/", "GET"),
        ("DELETE", "/users", "POST"),
        ("PUT", "/users/1", "GET"),
    ];
    for (method, path, allow) in wrong_methods {
        let response = chapter.send(method, path).await;
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(response.json(), json!({"detail": "Method Not Allowed"}));
    }
}

#[tokio::test]
async fn ch3_validation_creates_users_from_the_body() {
    let chapter = Chapter::start("ch3_validation", &[]);
    let body = r#"{"name": "Alice", "email": "alice@example.com", "age": 28}"#;
    let created = chapter.post_json("/users", body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let alice = json!({"id": 1, "name": "Alice", "email": "alice@example.com", "age": 28});
    assert_eq!(created.json(), alice);
    assert_eq!(chapter.get("/users/1").await.json(), alice);
    // pydantic's lax `int`: these are all ints.
    for (age, expected) in [(r#""28""#, 28), ("28.0", 28), ("true", 1)] {
        let body = format!(r#"{{"name": "N", "email": "e@x.io", "age": {age}}}"#);
        let created = chapter.post_json("/users", &body).await;
        assert_eq!(created.status, 201, "age {age}: {}", created.text());
        assert_eq!(created.json()["age"], json!(expected), "age {age}");
    }
    assert_routing(&chapter).await;
}

#[tokio::test]
async fn ch3_validation_answers_fastapis_422() {
    let chapter = Chapter::start("ch3_validation", &[]);
    // test_api.py's invalid body, answered as the reference answers it.
    let body = r#"{"name": "Bob", "email": "bob@example.com", "age": "not-a-number"}"#;
    let expected = json!({"detail": [{"type": "int_parsing", "loc": ["body", "age"],
        "msg": INT_PARSING, "input": "not-a-number"}]});
    assert_eq!(unprocessable(&chapter, body).await, expected);
    // Every field's error, in field order, with pydantic's key order inside each.
    let body = r#"{"name":5,"age":"x"}"#;
    let response = chapter.post_json("/users", body).await;
    let whole: Value = serde_json::from_str(body).expect("JSON");
    let expected = json!({"detail": [
        {"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string", "input": 5},
        {"type": "missing", "loc": ["body", "email"], "msg": "Field required", "input": whole},
        {"type": "int_parsing", "loc": ["body", "age"], "msg": INT_PARSING, "input": "x"},
    ]});
    assert_eq!((response.status, response.json()), (422, expected));
    assert!(
        response
            .text()
            .starts_with(r#"{"detail":[{"type":"string_type","loc":"#)
    );
    let cases = [
        (
            r#"{"name": "N", "email": "e", "age": 28.5}"#,
            "int_from_float",
        ),
        (r#"{"name": "N", "email": "e", "age": null}"#, "int_type"),
        (
            r#"{"name": "N", "email": "e", "age": 3000000000}"#,
            "less_than_equal",
        ),
    ];
    for (body, kind) in cases {
        let detail = unprocessable(&chapter, body).await;
        assert_eq!(detail["detail"][0]["type"], json!(kind), "{body}");
        assert_eq!(detail["detail"][0]["loc"], json!(["body", "age"]), "{body}");
    }
}

#[tokio::test]
async fn ch3_validation_judges_the_body_as_a_whole() {
    let chapter = Chapter::start("ch3_validation", &[]);
    let not_object = json!({"detail": [{"type": "model_attributes_type", "loc": ["body"],
        "msg": "Input should be a valid dictionary or object to extract fields from", "input": [1, 2]}]});
    assert_eq!(unprocessable(&chapter, "[1,2]").await, not_object);
    let no_body = json!({"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": null}]});
    assert_eq!(unprocessable(&chapter, "").await, no_body);
    let broken = unprocessable(&chapter, r#"{"name": }"#).await;
    let error = &broken["detail"][0];
    assert_eq!(error["type"], json!("json_invalid"));
    assert_eq!(error["loc"], json!(["body", 9]), "{error}");
    assert_eq!(
        (&error["msg"], &error["input"]),
        (&json!("JSON decode error"), &json!({}))
    );
    assert!(error["ctx"]["error"].is_string(), "{error}");
    // One byte over the 64 KiB limit: the byte over it comes last, so the whole body
    // has been read when the 413 goes out, and the connection ends cleanly.
    let too_large = "a".repeat(64 * 1024 + 1);
    let response = chapter.post_json("/users", &too_large).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.json(), json!({"detail": "Request body too large"}));
}

#[tokio::test]
async fn ch3_validation_answers_422_for_a_user_id_that_is_no_integer() {
    let chapter = Chapter::start("ch3_validation", &[]);
    let response = chapter.get("/users/abc").await;
    let expected = json!({"detail": [{"type": "int_parsing", "loc": ["path", "user_id"],
        "msg": INT_PARSING, "input": "abc"}]});
    assert_eq!((response.status, response.json()), (422, expected));
    assert_eq!(chapter.get("/users/7").await.status, 404);
    // An integer beyond the INTEGER column is no one's id: 404, as the reference says.
    assert_eq!(chapter.get("/users/99999999999").await.status, 404);
}

/// POSTs `body` to /users, asserts a 422 and returns its JSON.
async fn unprocessable(chapter: &Chapter, body: &str) -> Value {
    let response = chapter.post_json("/users", body).await;
    assert_eq!(response.status, 422, "{body}: {}", response.text());
    response.json()
}
