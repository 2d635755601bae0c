//! Unit tests of `src/schemas/validation.rs`, kept beside it so that the module itself stays short.

use super::*;

#[test]
fn strings_follow_pydantic_cores_table() {
    let ok = [
        ("0", 0),
        ("+0_000", 0),
        ("  1  ", 1),
        ("-1.0", -1),
        ("42.00", 42),
        ("042", 42),
        ("+04_2.0", 42),
        ("-00042_000", -42000),
        ("  0_42.0 ", 42),
        ("123456789.0", 123_456_789),
    ];
    for (input, expected) in ok {
        assert_eq!(parse_int_str(input), Ok(expected), "{input:?}");
    }
    let bad = [
        "00_",
        "0:",
        "++4_2",
        "-+1",
        "+-1",
        "--0001",
        "-0-001",
        "  _042.0 ",
        "42_",
        "42_.0",
        " ",
        "1.",
        "42.",
        "1.5",
        "1e3",
        "4__2",
        "wrong",
        "",
    ];
    for input in bad {
        assert_eq!(parse_int_str(input), Err(IntError::Parsing), "{input:?}");
    }
    assert_eq!(parse_int_str(&"9".repeat(4301)), Err(IntError::ParsingSize));
    // Leading zeros and underscores do not count against the 4,300 digits...
    let zeros = format!("{}1", "0".repeat(4300));
    assert_eq!(parse_int_str(&zeros), Ok(1));
    let underscored = format!("{}1", "1_".repeat(4299));
    assert_eq!(parse_int_str(&underscored), Ok(i128::MAX));
    // ...and too many digits that needed them is a plain parsing error.
    let zeros_long = format!("0{}", "1".repeat(4301));
    assert_eq!(parse_int_str(&zeros_long), Err(IntError::Parsing));
    let underscored_long = format!("{}1", "1_".repeat(4300));
    assert_eq!(parse_int_str(&underscored_long), Err(IntError::Parsing));
    assert_eq!(parse_int_str(&"9".repeat(60)), Ok(i128::MAX));
}

#[test]
fn json_values_coerce_like_lax_mode() {
    assert_eq!(lax_int(&json!(28)), Ok(28));
    assert_eq!(lax_int(&json!(28.0)), Ok(28));
    assert_eq!(lax_int(&json!(true)), Ok(1));
    assert_eq!(lax_int(&json!(false)), Ok(0));
    assert_eq!(lax_int(&json!("28")), Ok(28));
    assert_eq!(lax_int(&json!(28.5)), Err(IntError::FromFloat));
    assert_eq!(lax_int(&json!(1e20)), Err(IntError::ParsingSize));
    assert_eq!(lax_int(&json!(null)), Err(IntError::Type));
    assert_eq!(lax_int(&json!([1])), Err(IntError::Type));
    assert_eq!(lax_int(&json!(u64::MAX)), Ok(i128::from(u64::MAX)));
}

#[test]
fn errors_serialise_in_fastapis_key_order() {
    let err = check_int_range(
        3_000_000_000,
        -5,
        5,
        &["body", "age"],
        &json!(3_000_000_000u64),
    )
    .unwrap_err();
    assert_eq!(
        serde_json::to_string(&err).unwrap(),
        r#"{"type":"less_than_equal","loc":["body","age"],"msg":"Input should be less than or equal to 5","input":3000000000,"ctx":{"le":5}}"#
    );
    let missing = ValidationError::missing(&["body"], Value::Null);
    assert_eq!(
        serde_json::to_string(&missing).unwrap(),
        r#"{"type":"missing","loc":["body"],"msg":"Field required","input":null}"#
    );
}
