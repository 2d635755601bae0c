//! The seed's pydantic models, `UserCreate` and `UserResponse`, and the `user_id: int`
//! path parameter, validated by hand.
//!
//! In the seed, `class UserCreate(BaseModel): name: str; email: str; age: int` is all it
//! takes: FastAPI hands the parsed body to pydantic, which checks every field, collects
//! every error in field order and converts lax inputs. [`UserCreate::validate`] does the
//! same walk. Where the reference would accept a value and then crash in PostgreSQL
//! (a 500), we add the column's limits as pydantic constraints would express them:
//! `max_length` for the VARCHAR columns, `ge`/`le` for the INTEGER column, and no NUL
//! characters (PostgreSQL text cannot hold them).

use serde::Serialize;
use serde_json::{Value, json};

use super::validation::{ValidationError, check_int_range, lax_int, parse_int_str};

/// `name VARCHAR(100)`: PostgreSQL counts characters, so do we.
pub const NAME_MAX_CHARS: usize = 100;
/// `email VARCHAR(255)`.
pub const EMAIL_MAX_CHARS: usize = 255;

/// A valid request body of `POST /users`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserCreate {
    pub name: String,
    pub email: String,
    pub age: i32,
}

/// A user as the API returns it (`response_model=UserResponse`). `age` is nullable
/// because the column is: a row inserted outside the API may have none. `Text` is
/// `String` for a user we hold; `GET /users` uses `UserResponse<&str>` to serialise
/// users borrowed straight from database rows, without copying them first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserResponse<Text = String> {
    pub id: i32,
    pub name: Text,
    pub email: Text,
    pub age: Option<i32>,
}

impl UserCreate {
    /// Validates a request body. `None` means there was no body at all (or JSON
    /// `null`); anything that is not a JSON object fails as a whole, like pydantic's
    /// `model_attributes_type`.
    pub fn validate(body: Option<&Value>) -> Result<UserCreate, Vec<ValidationError>> {
        let fields = match body {
            None => return Err(vec![ValidationError::missing(&["body"], Value::Null)]),
            Some(Value::Object(fields)) => fields,
            Some(other) => {
                return Err(vec![ValidationError::new(
                    "model_attributes_type",
                    &["body"],
                    "Input should be a valid dictionary or object to extract fields from",
                    other.clone(),
                )]);
            }
        };
        let whole_body = body.cloned().unwrap_or(Value::Null);
        // Each field yields its value or its one error; pydantic reports them all.
        let name = string_field(fields.get("name"), "name", NAME_MAX_CHARS, &whole_body);
        let email = string_field(fields.get("email"), "email", EMAIL_MAX_CHARS, &whole_body);
        let age = age_field(fields.get("age"), &whole_body);
        match (name, email, age) {
            (Ok(name), Ok(email), Ok(age)) => Ok(UserCreate { name, email, age }),
            (name, email, age) => Err([name.err(), email.err(), age.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

/// A `str` field: strings only (pydantic does not turn numbers into strings), at most
/// `max_chars` characters, no NUL.
fn string_field(
    value: Option<&Value>,
    field: &'static str,
    max_chars: usize,
    whole_body: &Value,
) -> Result<String, ValidationError> {
    let loc = ["body", field];
    let text = match value {
        None => return Err(ValidationError::missing(&loc, whole_body.clone())),
        Some(Value::String(text)) => text,
        Some(other) => {
            let msg = "Input should be a valid string";
            return Err(ValidationError::new(
                "string_type",
                &loc,
                msg,
                other.clone(),
            ));
        }
    };
    if !fits_column(text, max_chars) {
        let msg = format!("String should have at most {max_chars} characters");
        return Err(ValidationError::new(
            "string_too_long",
            &loc,
            &msg,
            Value::from(text.as_str()),
        )
        .with_ctx(json!({ "max_length": max_chars })));
    }
    if text.contains('\0') {
        let reason = "String should not contain NUL characters";
        let msg = format!("Value error, {reason}");
        return Err(
            ValidationError::new("value_error", &loc, &msg, Value::from(text.as_str()))
                .with_ctx(json!({ "error": reason })),
        );
    }
    Ok(text.clone())
}

/// Whether PostgreSQL stores `text` in a `VARCHAR(max_chars)` column: it counts
/// characters, and a longer value whose excess is only spaces is stored cut, not
/// refused (the reference answers 201 and echoes what it was sent).
fn fits_column(text: &str, max_chars: usize) -> bool {
    match text.char_indices().nth(max_chars) {
        None => true,
        Some((cut, _)) => text[cut..].bytes().all(|b| b == b' '),
    }
}

impl UserCreate {
    /// The user as its `VARCHAR` columns store it: trailing spaces beyond the column's
    /// size cut off, as PostgreSQL's assignment does. The response still echoes the
    /// user as sent, like the seed's `create_user`.
    pub fn as_stored(&self) -> UserCreate {
        let cut = |text: &str, max_chars: usize| match text.char_indices().nth(max_chars) {
            Some((end, _)) => text[..end].to_string(),
            None => text.to_string(),
        };
        UserCreate {
            name: cut(&self.name, NAME_MAX_CHARS),
            email: cut(&self.email, EMAIL_MAX_CHARS),
            age: self.age,
        }
    }
}

/// `age: int`, within PostgreSQL's INTEGER.
fn age_field(value: Option<&Value>, whole_body: &Value) -> Result<i32, ValidationError> {
    let loc = ["body", "age"];
    let Some(value) = value else {
        return Err(ValidationError::missing(&loc, whole_body.clone()));
    };
    let age = lax_int(value).map_err(|e| e.to_error(&loc, value.clone()))?;
    check_int_range(age, i32::MIN.into(), i32::MAX.into(), &loc, value)?;
    Ok(age as i32)
}

/// What the `{user_id}` segment of `/users/{user_id}` means.
#[derive(Debug, PartialEq)]
pub enum UserId {
    /// An id a row can have: any INTEGER, zero and negative included (a row written
    /// outside the API can have any; SERIAL only picks positive ones for us).
    Valid(i32),
    /// A valid integer beyond INTEGER that no row can have: the reference asks
    /// PostgreSQL and answers 404; we know the answer without asking.
    CannotExist,
}

/// `user_id: int` from the (already percent-decoded) path segment.
pub fn parse_user_id(segment: &str) -> Result<UserId, ValidationError> {
    let loc = ["path", "user_id"];
    let value = parse_int_str(segment).map_err(|e| e.to_error(&loc, Value::from(segment)))?;
    Ok(match i32::try_from(value) {
        Ok(id) => UserId::Valid(id),
        Err(_) => UserId::CannotExist,
    })
}

#[cfg(test)]
mod tests {
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
}
