//! One error type for the whole HTTP layer, turned into a response in one place.
//!
//! In FastAPI a route raises `HTTPException(404, "User not found")`, pydantic raises
//! `RequestValidationError`, Starlette raises 404/405 for unknown routes, and exception
//! handlers turn each into `{"detail": ...}` with a status code; anything else becomes a
//! bare 500. Here every failure is an [`ApiError`] value that routes return with `?`,
//! and [`ApiError::into_response`] is the single exception handler. This layer knows
//! nothing of the services: the routes say which service failure is which `ApiError`
//! (`routes/users.rs`), and database details, logged by the services layer
//! (`services/error.rs`), never reach a response body.

use hyper::header::{ALLOW, HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use serde_json::json;

use crate::http::response::{Body, json};
use crate::schemas::validation::ValidationError;

#[derive(Debug)]
pub enum ApiError {
    /// 404 with a detail: `"Not Found"` for unknown paths, `"User not found"`.
    NotFound(&'static str),
    /// 405: the path exists, the method does not. `allow` lists the methods it has.
    MethodNotAllowed { allow: &'static str },
    /// 422 with pydantic's error list.
    Validation(Vec<ValidationError>),
    /// 409: the reference answers 500 for a duplicate email.
    EmailTaken,
    /// 400: a body that is not valid UTF-8 (FastAPI's "error parsing the body").
    UnreadableBody,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge { limit: usize },
    /// 408: the body did not arrive in time (a client trickling it, or gone silent).
    BodyTimeout,
    /// 503: PostgreSQL is unreachable and nothing was done; the reference answers 500
    /// after a long wait.
    DatabaseUnavailable,
    /// 503: a write was sent and its outcome is unknown (the connection broke under
    /// it, or its commit went unconfirmed by a synchronous standby). Said apart from
    /// the first, so a client knows a retry may meet its own write.
    OutcomeUnknown,
    /// 503: writes wait for a synchronous standby to confirm commits; nothing was done.
    WritesWaitForStandby,
    /// 500: a bug. The cause was logged where it happened (`services/error.rs`).
    Internal,
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> ApiError {
        ApiError::Validation(vec![err])
    }
}

impl ApiError {
    /// The exception handler: status code plus `{"detail": ...}`.
    pub fn into_response(self) -> Response<Body> {
        let (status, detail) = match self {
            ApiError::NotFound(detail) => (StatusCode::NOT_FOUND, json!(detail)),
            ApiError::MethodNotAllowed { allow } => {
                let mut response = json(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &json!({"detail": "Method Not Allowed"}),
                );
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static(allow));
                return response;
            }
            ApiError::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, json!(errors)),
            ApiError::EmailTaken => (
                StatusCode::CONFLICT,
                json!("A user with this email already exists"),
            ),
            ApiError::UnreadableBody => (
                StatusCode::BAD_REQUEST,
                json!("There was an error parsing the body"),
            ),
            ApiError::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!(format!("Request body too large (limit {limit} bytes)")),
            ),
            ApiError::BodyTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                json!("Request body not received in time"),
            ),
            ApiError::DatabaseUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!("Database unavailable, please retry shortly"),
            ),
            ApiError::OutcomeUnknown => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!(
                    "Database unavailable before the outcome was known: the user may have \
                     been created. Retrying with the same email answers 409 if it was"
                ),
            ),
            ApiError::WritesWaitForStandby => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!(
                    "Writes are waiting for a synchronous standby to confirm them, please \
                     retry shortly"
                ),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!("Internal Server Error"),
            ),
        };
        let mut response = json(status, &json!({ "detail": detail }));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Tells well-behaved clients when a retry makes sense.
            let retry = HeaderValue::from_static("1");
            response.headers_mut().insert(RETRY_AFTER, retry);
        }
        response
    }
}
