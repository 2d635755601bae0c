//! Odd `{user_id}` segments get the status the FastAPI reference gives.
//!
//! How the reference decides, from the sources of the versions it runs:
//! - uvicorn percent-decodes the whole path (`urllib.parse.unquote`, invalid UTF-8
//!   becoming U+FFFD) before Starlette matches it, so `1%2F2` is `/users/1/2`: no route,
//!   404 `Not Found`.
//! - Starlette's `{user_id}` matches any non-empty run of non-`/` characters; pydantic
//!   then validates it as `int` in lax mode. pydantic-core's `str_as_int` first tries
//!   the text as a JSON integer, then `clean_int_str`: strip Unicode whitespace (Rust's
//!   `trim`), drop one leading `+` (not `+-`), strip leading zeros, drop a `.000` tail,
//!   and remove single underscores between digits. Anything left that is not ASCII
//!   digits is `int_parsing` (422).
//! - A valid integer with no row is 404 `User not found` (the reference asks
//!   PostgreSQL; zero, negatives and huge values simply match nothing).

use serde_json::json;

use super::assert_healthy;
use super::support::TestApp;

const NOT_FOUND_USER: &str = "User not found";

#[tokio::test]
async fn odd_path_ids_get_the_references_status() {
    let app = TestApp::spawn().await;
    let id = app.create_user("One", "one@path.test", 1).await;
    assert_eq!(id, 1, "a fresh database starts its ids at 1");

    // (raw path segment, status, what `detail` says or what the 422's input is)
    let cases: &[(&str, u16, &str)] = &[
        ("%00", 422, "\0"),
        ("1%2F2", 404, "Not Found"),
        ("00001", 200, ""),
        ("+1", 200, ""),
        ("%2B1", 200, ""),
        ("%201", 200, ""),
        ("1%20", 200, ""),
        ("%09%0A1%0D", 200, ""),
        ("%E3%80%801", 200, ""), // U+3000 IDEOGRAPHIC SPACE is whitespace to `trim`
        ("%31", 200, ""),
        ("1.0", 200, ""),
        ("1.000", 200, ""),
        ("0_1", 200, ""),
        ("1?x=2", 200, ""),
        ("1_0", 404, NOT_FOUND_USER),
        ("0", 404, NOT_FOUND_USER),
        ("-0", 404, NOT_FOUND_USER),
        ("-1", 404, NOT_FOUND_USER),
        ("99999999999999999999", 404, NOT_FOUND_USER),
        ("%20", 422, " "),
        ("1.", 422, "1."),
        ("1.5", 422, "1.5"),
        ("1e3", 422, "1e3"),
        ("0x1", 422, "0x1"),
        ("_1", 422, "_1"),
        ("1_", 422, "1_"),
        ("1__0", 422, "1__0"),
        ("+-1", 422, "+-1"),
        ("--1", 422, "--1"),
        ("1%3F", 422, "1?"),
        ("%EF%BC%91", 422, "\u{FF11}"), // FULLWIDTH DIGIT ONE: not an ASCII digit
        ("%ff", 422, "\u{FFFD}"),
        ("1%00", 422, "1\0"),
    ];
    for &(segment, status, detail) in cases {
        let response = app.get(&format!("/users/{segment}")).await;
        assert_eq!(
            response.status,
            status,
            "/users/{segment}: {}",
            response.text()
        );
        let body = response.json();
        match status {
            200 => assert_eq!(body["id"], json!(1), "/users/{segment}"),
            404 => assert_eq!(body, json!({"detail": detail}), "/users/{segment}"),
            _ => {
                let error = &body["detail"][0];
                assert_eq!(error["type"], "int_parsing", "/users/{segment}");
                assert_eq!(error["loc"], json!(["path", "user_id"]));
                assert_eq!(error["input"], json!(detail), "/users/{segment}");
            }
        }
    }
    assert_healthy(&app).await;
}
