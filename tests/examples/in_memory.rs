//! Chapters 1-3, which keep their users in memory: what each one's `//!` promises, and
//! the 404/405 of chapter 2's router in every chapter after it.

use serde_json::{Value, json};

use super::chapter::Chapter;

const INT_PARSING: &str = "Input should be a valid integer, unable to parse string as an integer";

#[tokio::test]
async fn ch1_hello_answers_every_request_with_the_health_check() {
    let chapter = Chapter::start("ch1_hello", &[]);
    // No router yet: any method on any path gets `@app.get("/")`'s answer.
    for (method, path) in [("GET", "/"), ("POST", "/users"), ("DELETE", "/nope")] {
        let response = chapter.send(method, path).await;
        assert_eq!(
            response.status,
            200,
            "{method} {path}: {}",
            chapter.output()
        );
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.text(), r#"{"status":"ok"}"#);
    }
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
    // Until chapter 3, an id that is no integer is no one's: a 404, not yet a 422.
    for missing in ["/users/2", "/users/abc"] {
        let response = chapter.get(missing).await;
        assert_eq!(response.status, 404, "{missing}");
        assert_eq!(response.json(), json!({"detail": "User not found"}));
    }
    assert_routing(&chapter).await;
}

/// Chapter 2's router: Starlette's 404 and 405 (with `Allow`), in chapters 2-4.
pub async fn assert_routing(chapter: &Chapter) {
    let unknown = chapter.get("/nope").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.header("content-type"), Some("application/json"));
    assert_eq!(unknown.json(), json!({"detail": "Not Found"}));
    // `Allow` names the methods of the first route on the path, as Starlette's does.
    let wrong_methods = [
        ("POST", "/", "GET"),
        ("DELETE", "/users", "POST"),
        ("PUT", "/users/", "POST"),
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
    // pydantic's lax `int`: a string holding an integer is one.
    let body = r#"{"name": "Bob", "email": "bob@example.com", "age": " 41 "}"#;
    let created = chapter.post_json("/users", body).await;
    assert_eq!((created.status, &created.json()["age"]), (201, &json!(41)));
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
    // Every field's error, in field order, with pydantic's key order inside each; a
    // missing field's `input` is the whole body.
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
    // What is not an integer that fits INTEGER (src/schemas/ tells these apart further).
    for age in ["28.5", "null", "3000000000", "[1]"] {
        let body = format!(r#"{{"name": "N", "email": "e", "age": {age}}}"#);
        let detail = unprocessable(&chapter, &body).await;
        let error = json!({"type": "int_type", "loc": ["body", "age"],
            "msg": "Input should be a valid integer", "input": serde_json::from_str::<Value>(age).expect("JSON")});
        assert_eq!(detail, json!({"detail": [error]}), "age {age}");
    }
}

#[tokio::test]
async fn ch3_validation_answers_422_for_a_body_that_is_no_json_and_413_for_a_large_one() {
    let chapter = Chapter::start("ch3_validation", &[]);
    let broken = unprocessable(&chapter, r#"{"name": }"#).await;
    let expected = json!({"detail": [{"type": "json_invalid", "loc": ["body", 9],
        "msg": "JSON decode error", "input": {}}]});
    assert_eq!(broken, expected);
    // One byte over the 64 KiB limit: the byte over it comes last, so the whole body
    // has been read when the 413 goes out, and the connection ends cleanly.
    let too_large = "a".repeat(64 * 1024 + 1);
    let response = chapter.post_json("/users", &too_large).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.json(), json!({"detail": "Request body too large"}));
    // Exactly at the limit is still read (whitespace is JSON too).
    let user = r#"{"name": "N", "email": "e", "age": 1}"#;
    let at_the_limit = user.to_string() + &" ".repeat(64 * 1024 - user.len());
    let created = chapter.post_json("/users", &at_the_limit).await;
    assert_eq!(created.status, 201, "{}", created.text());
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
