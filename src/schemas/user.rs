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
/// `<Text = String>` is a type parameter with a default (a `Generic[Text]` whose `Text`
/// is `str` unless said): a plain `UserResponse` is a `UserResponse<String>`.
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

    /// The seed's `return {"id": user_id, "name": user.name, ...}`: the user as it was
    /// sent, with the id PostgreSQL gave it.
    pub fn with_id(self, id: i32) -> UserResponse {
        UserResponse {
            id,
            name: self.name,
            email: self.email,
            age: Some(self.age),
        }
    }

    /// The user as its `VARCHAR` columns will store it (see [`varchar_quirk`]).
    pub fn as_stored(&self) -> UserCreate {
        UserCreate {
            name: varchar_quirk::cut(&self.name, NAME_MAX_CHARS),
            email: varchar_quirk::cut(&self.email, EMAIL_MAX_CHARS),
            age: self.age,
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
    if !varchar_quirk::fits(text, max_chars) {
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

/// Drop-in exactness, kept apart so the model above reads plainly: PostgreSQL stores a
/// too-long `VARCHAR` value whose excess is only spaces cut, not refused (the reference
/// answers 201 and echoes what it was sent), and it counts characters, not bytes.
mod varchar_quirk {
    /// Whether PostgreSQL accepts `text` in a `VARCHAR(max_chars)` column.
    pub fn fits(text: &str, max_chars: usize) -> bool {
        match text.char_indices().nth(max_chars) {
            None => true,
            Some((cut, _)) => text[cut..].bytes().all(|b| b == b' '),
        }
    }

    /// `text` as such a column stores it: cut at `max_chars` characters.
    pub fn cut(text: &str, max_chars: usize) -> String {
        match text.char_indices().nth(max_chars) {
            Some((end, _)) => text[..end].to_string(),
            None => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
