//! Unit tests of `src/http/request_body.rs`, kept beside it so that the module itself stays short.

use super::*;

#[test]
fn json_content_types_are_recognised_like_fastapi() {
    // FastAPI 0.165 (strict_content_type): no Content-Type, no JSON parsing.
    assert!(!is_json_content_type(None));
    assert!(is_json_content_type(Some("application/json")));
    assert!(is_json_content_type(Some(
        "Application/JSON; charset=utf-8"
    )));
    assert!(is_json_content_type(Some("application/merge-patch+json")));
    assert!(!is_json_content_type(Some("text/plain")));
    assert!(!is_json_content_type(Some(
        "application/x-www-form-urlencoded"
    )));
    assert!(!is_json_content_type(Some("application/json/x")));
}

#[test]
fn syntax_errors_point_at_the_character_like_python() {
    // Python: json.loads('{"a": }') -> "Expecting value: line 1 column 7 (char 6)"
    let Err(ApiError::Validation(errors)) = parse_json(br#"{"a": }"#) else {
        panic!("expected a validation error");
    };
    let error = serde_json::to_value(&errors[0]).unwrap();
    assert_eq!(error["type"], "json_invalid");
    assert_eq!(error["loc"], json!(["body", 6]));
    assert_eq!(error["input"], json!({}));
    assert_eq!(error["ctx"]["error"], "Expecting value");
    // A truncated document: Python points past its end, `'{"a": '` -> char 6.
    for (text, offset) in [(r#"{"a": "#, 6), ("[1,", 3), ("  ", 2)] {
        let Err(ApiError::Validation(errors)) = parse_json(text.as_bytes()) else {
            panic!("expected a validation error for {text:?}");
        };
        let loc = serde_json::to_value(&errors[0].loc).unwrap();
        assert_eq!(loc, json!(["body", offset]), "{text:?}");
    }
    // Multi-byte characters count once, as Python counts them.
    let Err(ApiError::Validation(errors)) = parse_json("{\"é\":\n x}".as_bytes()) else {
        panic!("expected a validation error");
    };
    assert_eq!(
        serde_json::to_value(&errors[0].loc).unwrap(),
        json!(["body", 7])
    );
}

#[test]
fn python_positions_numbers_and_encodings() {
    // Python points at the start of the token it could not read.
    for (text, offset) in [(r#"{"a":-}"#, 5), (r#"{"a":tru}"#, 5), ("nul", 0)] {
        let Err(ApiError::Validation(errors)) = parse_json(text.as_bytes()) else {
            panic!("expected a validation error for {text:?}");
        };
        let loc = serde_json::to_value(&errors[0].loc).unwrap();
        assert_eq!(loc, json!(["body", offset]), "{text:?}");
    }
    // Integers are exact at any size, -0 is the int 0, floats stay floats.
    let big = format!("[{}, -0, -0.0, 1.50]", "9".repeat(40));
    let Ok(Some(value)) = parse_json(big.as_bytes()) else {
        panic!("valid JSON");
    };
    let echoed = serde_json::to_string(&value).unwrap();
    assert_eq!(echoed, format!("[{},0,-0.0,1.50]", "9".repeat(40)));
    assert!(matches!(
        parse_json(&[b"1".repeat(4301)].concat()),
        Err(ApiError::UnreadableBody)
    ));
    let utf16: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(matches!(parse_json(&utf16), Ok(Some(_))));
}

#[test]
fn null_is_a_value_and_bad_utf8_is_unreadable() {
    assert_eq!(parse_json(b"null").unwrap(), Some(Value::Null));
    assert!(matches!(
        parse_json(b"\"\xff\""),
        Err(ApiError::UnreadableBody)
    ));
    assert!(matches!(parse_json(b"\xEF\xBB\xBF{}"), Ok(Some(_))));
}

#[test]
fn nesting_is_parsed_up_to_the_documented_depth_and_refused_beyond() {
    // docs/compatibility.md (`nesting-depth`): 400 only *beyond* 128 levels. Exactly 128
    // must parse, so that pydantic's model error follows (the reference's
    // `model_attributes_type`); serde_json's own limit (127) would make it a 422 `json_invalid`
    // at ["body", 127].
    use crate::http::json_decoder::MAX_DEPTH;
    let arrays = |depth| "[".repeat(depth) + &"]".repeat(depth);
    let objects = |depth| r#"{"a":"#.repeat(depth) + "1" + &"}".repeat(depth);
    for text in [arrays(MAX_DEPTH), objects(MAX_DEPTH)] {
        assert!(
            matches!(parse_json(text.as_bytes()), Ok(Some(_))),
            "{} levels must parse",
            MAX_DEPTH
        );
    }
    for text in [arrays(MAX_DEPTH + 1), objects(MAX_DEPTH + 1)] {
        assert!(matches!(
            parse_json(text.as_bytes()),
            Err(ApiError::UnreadableBody)
        ));
    }
}
