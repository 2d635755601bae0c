//! Hostile JSON: deep nesting, broken encodings, extreme numbers, many and duplicate
//! fields, SQL metacharacters. Each gets a 4xx or a defined result; never a 5xx, never
//! a stack overflow (which would abort the whole test binary).

use serde_json::{Value, json};

use super::assert_healthy;
use super::support::{TestApp, http};

const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

async fn post(app: &TestApp, body: &[u8]) -> http::Response {
    http::send(app.addr, "POST", "/users", &JSON, body).await
}

fn first_error_type(response: &http::Response) -> Value {
    response.json()["detail"][0]["type"].clone()
}

#[tokio::test]
async fn deep_nesting_is_refused_without_recursing() {
    let app = TestApp::spawn().await;
    let limit = http::body_limit(app.addr).await;
    // 100,000 levels are 200 KB: over the body limit before any parsing.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(post(&app, deep.as_bytes()).await.status, 413);
    // Under the limit, the parser's depth limit (128) answers as Python's RecursionError
    // does in FastAPI: 400 "There was an error parsing the body" (docs/compatibility.md).
    // 30,000 levels (60 KB) would overflow a parser that recursed; a lower limit
    // (exercise 3) lets in fewer, still over 128.
    let room = limit - 16;
    let levels = (room / 2).min(30_000);
    let deep = format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let response = post(&app, deep.as_bytes()).await;
    assert_eq!(response.status, 400);
    let objects = (room / 6).min(10_000);
    let deep = format!(
        r#"{{"name":{}1{}}}"#,
        r#"{"a":"#.repeat(objects),
        "}".repeat(objects)
    );
    assert_eq!(post(&app, deep.as_bytes()).await.status, 400);
    // Unclosed: the parser stops at its limit too.
    let unclosed = "[".repeat(room.min(60_000));
    assert_eq!(post(&app, unclosed.as_bytes()).await.status, 400);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn broken_text_encodings_are_4xx() {
    let app = TestApp::spawn().await;
    // Invalid UTF-8 inside a string: FastAPI's "error parsing the body", a 400.
    for body in [
        &b"{\"name\":\"\xff\xfe\"}"[..],
        b"{\"name\":\"\xc3\"}",
        b"\xed\xa0\x80",
    ] {
        assert_eq!(post(&app, body).await.status, 400, "{body:?}");
    }
    // Lone surrogates (escaped; raw ones are invalid UTF-8, above): the reference's
    // pydantic says `string_unicode`, here it is a JSON error. Both are 422.
    for body in [
        r#"{"name":"\ud800"}"#,
        r#"{"name":"\udc00x"}"#,
        r#"{"\ud800":1}"#,
    ] {
        let response = post(&app, body.as_bytes()).await;
        assert_eq!(response.status, 422, "{body}");
    }
    // A valid surrogate pair is a character like any other.
    let pair = r#"{"name":"\ud83d\ude00","email":"pair@json.test","age":1}"#;
    let created = post(&app, pair.as_bytes()).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json()["name"], "\u{1F600}");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn extreme_numbers_get_defined_answers() {
    let app = TestApp::spawn().await;
    let with_age = |age: &str| format!(r#"{{"name":"N","email":"{age}@n.test","age":{age}}}"#);
    // `-0` is 0, and `1e-999` underflows to 0.0, a whole number: both are age 0, as
    // Python's json.loads and pydantic make them.
    for age in ["-0", "1e-999"] {
        let zero = post(&app, with_age(age).as_bytes()).await;
        assert_eq!(
            (zero.status, zero.json()["age"].clone()),
            (201, json!(0)),
            "{age}"
        );
    }
    // Overflowing floats: the reference parses them to infinity and pydantic answers
    // `finite_number`; here the JSON parser refuses them (`json_invalid`). Both 422.
    // A 30-digit integer is over the column's range either way.
    for age in ["1e999", "-1e999", "1E400", "123456789012345678901234567890"] {
        let response = post(&app, with_age(age).as_bytes()).await;
        assert_eq!(response.status, 422, "{age}: {}", response.text());
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn many_and_duplicate_fields_get_defined_answers() {
    let app = TestApp::spawn().await;
    let fields = |n: usize| (0..n).map(|i| format!(r#""f{i}":{i}"#)).collect::<Vec<_>>();
    // 10,000 distinct fields do not fit in the 64 KiB body limit: 413.
    let body = format!("{{{}}}", fields(10_000).join(","));
    assert_eq!(post(&app, body.as_bytes()).await.status, 413);
    // 4,000 do (fewer if the limit is lower: 16 bytes each at most); unknown fields are
    // ignored, as pydantic ignores them.
    let fit = ((http::body_limit(app.addr).await - 100) / 16).min(4_000);
    let mut many = fields(fit);
    many.push(r#""name":"Many","email":"many@json.test","age":3"#.into());
    let created = post(&app, format!("{{{}}}", many.join(",")).as_bytes()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    // Duplicate keys: the last one wins, as in Python's json.loads; 4,000 of them.
    let repeated = r#""name":"first","#.repeat(fit);
    let body = format!(r#"{{{repeated}"name":"last","email":"dup@json.test","age":4}}"#);
    let created = post(&app, body.as_bytes()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["name"], "last");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn sql_metacharacters_in_every_field_are_stored_verbatim() {
    let app = TestApp::spawn().await;
    let nasty = [
        r#"Robert'); DROP TABLE users;--"#,
        r#"' OR '1'='1"#,
        r#"\'; SELECT pg_sleep(10); --"#,
        r#"$1 $$ $tag$ %s %% ? :name"#,
        "E'\\x41' \\\\ \\\" `backticks` ; /* comment */",
        "\u{2019}\u{02BC}\u{FF07} unicode quotes",
    ];
    for (n, text) in nasty.iter().enumerate() {
        let email = format!("{text}@sql{n}.test");
        let body = json!({"name": text, "email": email, "age": 1}).to_string();
        let created = post(&app, body.as_bytes()).await;
        assert_eq!(created.status, 201, "{text}: {}", created.text());
        let id = created.json()["id"].as_i64().expect("an id");
        let read = app.get(&format!("/users/{id}")).await.json();
        assert_eq!(
            (&read["name"], &read["email"]),
            (&json!(text), &json!(email))
        );
        // The age is an integer: metacharacters there are a validation error.
        let body = json!({"name": "n", "email": format!("age{n}@sql.test"), "age": text});
        let response = post(&app, body.to_string().as_bytes()).await;
        assert_eq!(first_error_type(&response), "int_parsing");
    }
    let listed = app.get("/users").await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(nasty.len()));
    assert_healthy(&app).await;
}
