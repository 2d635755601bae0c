//! The list's content: byte for byte, in id order, sliced by `skip` and `limit`, and
//! FastAPI's 422s for bad values.

use serde_json::{Value, json};

use super::support::{TestApp, http};
use super::{app_with_table, expected_list, raw_get, seed};

#[tokio::test]
async fn a_long_list_streams_complete_in_id_order_and_byte_identical() {
    let (app, db) = app_with_table().await;
    seed(&db, 5000).await;
    // Rows written behind the API's back: the lowest INTEGER, zero, negative, odd text.
    db.batch_execute(
        "INSERT INTO users (id, name, email, age) VALUES \
         (-2147483648, 'Min', 'min@x.io', NULL), (0, 'Zero \"q\" \\ é ☃', 'zero@x.io', 0), \
         (-7, E'tab\\there', 'neg@x.io', -1), (2147483647, 'Max', 'max@x.io', 2147483647)",
    )
    .await
    .expect("insert rows with edge ids");
    let expected = serde_json::to_string(&expected_list(&db).await).expect("serialise");

    let raw = raw_get(app.addr, "/users").await;
    let response = http::parse(&raw);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert!(raw.ends_with(b"\r\n0\r\n\r\n"), "the terminating chunk");
    assert_eq!(response.text(), expected);
    // Several pages, so several chunks: the list really was streamed.
    let chunks = raw.windows(2).filter(|w| w == b"\r\n").count();
    assert!(chunks > 8, "{chunks} CRLFs: one chunk?");

    // Concurrent lists move in step and share pages (one read, one serialisation):
    // each must still be the whole list, byte for byte.
    let lists = (0..8).map(|_| tokio::spawn(raw_get(app.addr, "/users")));
    for list in lists {
        let raw = list.await.expect("a concurrent list");
        assert_eq!(http::parse(&raw).text(), expected, "a concurrent list");
    }

    let ids: Vec<i64> = response
        .json()
        .as_array()
        .expect("an array")
        .iter()
        .map(|u| u["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 5004);
    assert_eq!(&ids[..4], [-2147483648, -7, 0, 1]);
    assert_eq!(ids.last(), Some(&2147483647));
    let page = app.get("/users?skip=1&limit=2").await;
    assert_eq!(
        page.json(),
        json!([
            {"id": -7, "name": "tab\there", "email": "neg@x.io", "age": -1},
            {"id": 0, "name": "Zero \"q\" \\ é ☃", "email": "zero@x.io", "age": 0},
        ])
    );
}

#[tokio::test]
async fn skip_and_limit_select_a_slice_of_the_ordered_list() {
    let (app, db) = app_with_table().await;
    seed(&db, 700).await;
    let all: Vec<Value> = expected_list(&db)
        .await
        .iter()
        .map(|user| serde_json::to_value(user).expect("a value"))
        .collect();
    let slice = |skip: usize, limit: Option<usize>| {
        let rest = all.iter().skip(skip);
        Value::Array(rest.take(limit.unwrap_or(usize::MAX)).cloned().collect())
    };
    let huge = "9".repeat(40);
    let cases: Vec<(String, usize, Option<usize>)> = vec![
        (String::new(), 0, None),
        ("?limit=0".into(), 0, Some(0)),
        ("?skip=5&limit=10".into(), 5, Some(10)),
        // Around the page boundaries (128, then 512 more).
        ("?skip=127&limit=2".into(), 127, Some(2)),
        ("?limit=128".into(), 0, Some(128)),
        ("?limit=129".into(), 0, Some(129)),
        ("?skip=100&limit=600".into(), 100, Some(600)),
        ("?skip=699".into(), 699, None),
        ("?skip=700".into(), 700, None),
        (format!("?skip={huge}"), usize::MAX, None),
        (format!("?limit={huge}"), 0, None),
        // Lax integers, repeated names (the last wins), unknown names, escapes.
        ("?skip=+0_3.00&limit=%202%20".into(), 3, Some(2)),
        ("?limit=1&limit=4&foo=bar".into(), 0, Some(4)),
        ("?%73kip=6&limit=+1".into(), 6, Some(1)),
    ];
    for (query, skip, limit) in cases {
        let got = app.get(&format!("/users{query}")).await;
        assert_eq!(got.status, 200, "{query}: {}", got.text());
        assert_eq!(got.json(), slice(skip, limit), "{query}");
    }
}

#[tokio::test]
async fn bad_skip_and_limit_are_422s_like_fastapis() {
    let app = TestApp::spawn().await;
    let parsing = "Input should be a valid integer, unable to parse string as an integer";
    let ge = "Input should be greater than or equal to 0";
    let cases = [
        (
            "?skip=abc",
            json!([{"type": "int_parsing", "loc": ["query", "skip"], "msg": parsing, "input": "abc"}]),
        ),
        (
            "?limit=-5",
            json!([{"type": "greater_than_equal", "loc": ["query", "limit"], "msg": ge, "input": "-5", "ctx": {"ge": 0}}]),
        ),
        (
            "?limit=1.5&skip=-1",
            json!([
                {"type": "greater_than_equal", "loc": ["query", "skip"], "msg": ge, "input": "-1", "ctx": {"ge": 0}},
                {"type": "int_parsing", "loc": ["query", "limit"], "msg": parsing, "input": "1.5"},
            ]),
        ),
        (
            "?limit=5&limit=x",
            json!([{"type": "int_parsing", "loc": ["query", "limit"], "msg": parsing, "input": "x"}]),
        ),
        (
            "?skip=&limit=%E2%98%83",
            json!([
                {"type": "int_parsing", "loc": ["query", "skip"], "msg": parsing, "input": ""},
                {"type": "int_parsing", "loc": ["query", "limit"], "msg": parsing, "input": "☃"},
            ]),
        ),
    ];
    for (query, detail) in cases {
        let got = app.get(&format!("/users{query}")).await;
        assert_eq!(got.status, 422, "{query}");
        assert_eq!(got.json(), json!({ "detail": detail }), "{query}");
    }
}

/// Which lists go whole (with a `content-length`) and which are chunked, as the guide
/// and docs/compatibility.md say: whole when the first page (128 rows) comes back short
/// or `limit` ends the list within it; chunked when it comes back full, even with
/// nothing behind it (exactly 128 rows, then a chunk that is only `]`).
/// The first page's size, `src/services/user_listing.rs` `FIRST_PAGE_ROWS` (exercise 4
/// changes both).
const FIRST_PAGE_ROWS: i64 = 128;

#[tokio::test]
async fn a_list_goes_whole_only_when_it_ends_within_the_first_page() {
    let (app, db) = app_with_table().await;
    let framing = |raw: &[u8]| {
        let response = http::parse(raw);
        assert_eq!(response.status, 200);
        match (
            response.header("content-length"),
            response.header("transfer-encoding"),
        ) {
            (Some(_), None) => "whole",
            (None, Some("chunked")) => "chunked",
            other => panic!("neither framing: {other:?}"),
        }
    };
    seed(&db, FIRST_PAGE_ROWS - 1).await;
    assert_eq!(
        framing(&raw_get(app.addr, "/users").await),
        "whole",
        "one row short of a page"
    );
    db.execute(
        "INSERT INTO users (name, email, age) VALUES ('Last', 'last@example.com', 1)",
        &[],
    )
    .await
    .expect("the page's last user");
    let expected = serde_json::to_string(&expected_list(&db).await).expect("serialise");
    let raw = raw_get(app.addr, "/users").await;
    assert_eq!(framing(&raw), "chunked", "exactly a page of rows");
    assert_eq!(http::parse(&raw).text(), expected);
    assert!(
        raw.ends_with(b"\r\n1\r\n]\r\n0\r\n\r\n"),
        "a last chunk of `]`"
    );
    for (query, whole_or_chunked) in [
        (format!("?limit={FIRST_PAGE_ROWS}"), "whole"),
        (format!("?limit={}", FIRST_PAGE_ROWS + 1), "chunked"),
        ("?skip=1".to_string(), "whole"),
    ] {
        let raw = raw_get(app.addr, &format!("/users{query}")).await;
        assert_eq!(framing(&raw), whole_or_chunked, "a page of rows, {query}");
    }
}
