//! The body of `POST /users` as pydantic validates it: lax coercion, every field's
//! error in field order, pydantic's error types, and `json_invalid` with its offset.

use super::support::{self, TestApp};
use serde_json::{Value, json};

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
