//! Unit tests of `src/schemas/user.rs`, kept beside it so that the module itself stays short.

use super::*;

fn errors(body: Value) -> Value {
    serde_json::to_value(UserCreate::validate(Some(&body)).unwrap_err()).unwrap()
}

#[test]
fn accepts_lax_inputs_and_ignores_unknown_fields() {
    let body = json!({"name": "A", "email": "a@x", "age": "28", "extra": [1]});
    let user = UserCreate::validate(Some(&body)).unwrap();
    assert_eq!(user.age, 28);
    let body = json!({"name": "A", "email": "a@x", "age": 28.0});
    assert_eq!(UserCreate::validate(Some(&body)).unwrap().age, 28);
    let body = json!({"name": "A", "email": "a@x", "age": true});
    assert_eq!(UserCreate::validate(Some(&body)).unwrap().age, 1);
}

#[test]
fn reports_every_error_in_field_order() {
    let body = json!({"age": null, "name": 5});
    assert_eq!(
        errors(body.clone()),
        json!([
            {"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string", "input": 5},
            {"type": "missing", "loc": ["body", "email"], "msg": "Field required", "input": body},
            {"type": "int_type", "loc": ["body", "age"], "msg": "Input should be a valid integer", "input": null},
        ])
    );
}

#[test]
fn column_limits_are_validation_errors() {
    let long = "é".repeat(101);
    let body = json!({"name": long, "email": "a@x", "age": 2147483648u64});
    let errs = errors(body);
    assert_eq!(errs[0]["type"], "string_too_long");
    assert_eq!(errs[0]["ctx"], json!({"max_length": 100}));
    assert_eq!(errs[1]["type"], "less_than_equal");
    assert_eq!(errs[1]["ctx"], json!({"le": 2147483647}));
    let ok = json!({"name": "é".repeat(100), "email": "a@x", "age": -2147483648i64});
    assert!(UserCreate::validate(Some(&ok)).is_ok());
    let nul = json!({"name": "a\u{0}b", "email": "a@x", "age": 1});
    assert_eq!(errors(nul)[0]["type"], "value_error");
}

#[test]
fn excess_spaces_fit_a_varchar_column_and_are_cut_for_storage() {
    let name = format!("{}   ", "a".repeat(100));
    let body = json!({"name": name, "email": "a@x", "age": 1});
    let user = UserCreate::validate(Some(&body)).unwrap();
    assert_eq!(user.name, name);
    assert_eq!(user.as_stored().name, "a".repeat(100));
    let tab = json!({"name": format!("{} \t", "a".repeat(99)), "email": "a@x", "age": 1});
    assert_eq!(errors(tab)[0]["type"], "string_too_long");
}

#[test]
fn a_body_that_is_not_an_object_fails_as_a_whole() {
    assert_eq!(errors(json!([1]))[0]["type"], "model_attributes_type");
    let none = serde_json::to_value(UserCreate::validate(None).unwrap_err()).unwrap();
    assert_eq!(
        none,
        json!([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": null}])
    );
}

#[test]
fn user_ids_parse_like_an_int_path_parameter() {
    assert_eq!(parse_user_id("42"), Ok(UserId::Valid(42)));
    assert_eq!(parse_user_id("+00042"), Ok(UserId::Valid(42)));
    assert_eq!(parse_user_id("-1"), Ok(UserId::Valid(-1)));
    assert_eq!(parse_user_id("-0"), Ok(UserId::Valid(0)));
    assert_eq!(parse_user_id("-2147483648"), Ok(UserId::Valid(i32::MIN)));
    assert_eq!(parse_user_id("-2147483649"), Ok(UserId::CannotExist));
    assert_eq!(parse_user_id("99999999999"), Ok(UserId::CannotExist));
    let err = parse_user_id("abc").unwrap_err();
    assert_eq!(err.kind, "int_parsing");
    assert_eq!(
        serde_json::to_value(&err.loc).unwrap(),
        json!(["path", "user_id"])
    );
}
