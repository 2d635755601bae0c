//! The seed's `routes/users.py`: `POST /users`, `GET /users`, `GET /users/{user_id}`.
//!
//! In FastAPI the signature does the work: `def create_user(user: UserCreate)` makes
//! FastAPI read and validate the body, `status_code=201` sets the status,
//! `response_model=UserResponse` filters and serialises the result, and
//! `user_id: int` converts the path segment. Each function below does those steps in
//! the open, in that order, and returns `ApiError` for everything else.

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

use crate::db::Database;
use crate::error::ApiError;
use crate::request_body;
use crate::response::{Body, json};
use crate::schemas::user::{UserCreate, UserId, parse_user_id};
use crate::services::user_service;

/// `POST /users` → 201 with the new user; 422 for an invalid body; 409 for a taken email.
pub async fn create_user(
    db: &Database,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let body = request_body::read_json(request).await?;
    let user = UserCreate::validate(body.as_ref()).map_err(ApiError::Validation)?;
    let created = user_service::create_user(db, &user).await?;
    Ok(json(StatusCode::CREATED, &created))
}

/// `GET /users` → 200 with every user, ordered by id.
pub async fn get_users(db: &Database) -> Result<Response<Body>, ApiError> {
    let users = user_service::get_users(db).await?;
    Ok(json(StatusCode::OK, &users))
}

/// `GET /users/{user_id}` → 200 with the user; 404 when there is none; 422 when the id
/// is not an integer.
pub async fn get_user(db: &Database, user_id: &str) -> Result<Response<Body>, ApiError> {
    let not_found = ApiError::NotFound("User not found");
    let UserId::Valid(user_id) = parse_user_id(user_id)? else {
        return Err(not_found);
    };
    match user_service::find_user(db, user_id).await? {
        Some(user) => Ok(json(StatusCode::OK, &user)),
        None => Err(not_found),
    }
}
