//! The seed's `routes/users.py`: `POST /users`, `GET /users`, `GET /users/{user_id}`.
//!
//! In FastAPI the signature does the work: `def create_user(user: UserCreate)` makes
//! FastAPI read and validate the body, `status_code=201` sets the status,
//! `response_model=UserResponse` filters and serialises the result, and
//! `user_id: int` converts the path segment. Each function below does those steps in
//! the open, in that order, and returns `ApiError` for everything else.

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

use crate::error::ApiError;
use crate::request_body;
use crate::response::{Body, json, json_shared};
use crate::schemas::user::{UserCreate, UserId, UserResponse, parse_user_id};
use crate::services::user_service::UserService;

/// `POST /users` → 201 with the new user; 422 for an invalid body; 409 for a taken email.
pub async fn create_user(
    users: &UserService,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let body = request_body::read_json(request).await?;
    let user = UserCreate::validate(body.as_ref()).map_err(ApiError::Validation)?;
    let created = users.create_user(user.as_stored()).await?;
    // The seed returns the user it was sent, not the row as stored (which differs when
    // PostgreSQL cut trailing spaces off a VARCHAR).
    let sent = UserResponse {
        name: user.name,
        email: user.email,
        ..created
    };
    Ok(json(StatusCode::CREATED, &sent))
}

/// `GET /users` → 200 with every user, ordered by id. The service hands over the JSON
/// already serialised (once for all the requests of its batch).
pub async fn get_users(users: &UserService) -> Result<Response<Body>, ApiError> {
    let all = users.get_users().await?;
    Ok(json_shared(StatusCode::OK, all))
}

/// `GET /users/{user_id}` → 200 with the user; 404 when there is none; 422 when the id
/// is not an integer.
pub async fn get_user(users: &UserService, user_id: &str) -> Result<Response<Body>, ApiError> {
    let not_found = ApiError::NotFound("User not found");
    let UserId::Valid(user_id) = parse_user_id(user_id)? else {
        return Err(not_found);
    };
    match users.find_user(user_id).await? {
        Some(user) => Ok(json(StatusCode::OK, &user)),
        None => Err(not_found),
    }
}
