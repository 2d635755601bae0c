//! The seed's `routes/users.py`: `POST /users`, `GET /users`, `GET /users/{user_id}`.
//!
//! In FastAPI the signature does the work: `def create_user(user: UserCreate)` makes
//! FastAPI read and validate the body, `status_code=201` sets the status,
//! `response_model=UserResponse` filters and serialises the result, and
//! `user_id: int` converts the path segment. Each function below does those steps in
//! the open, in that order, and returns `ApiError` for everything else.

use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

use crate::http::error::ApiError;
use crate::http::query_params::QueryParams;
use crate::http::request_body;
use crate::http::response::{Body, json, json_body};
use crate::http::response_body::BodySender;
use crate::schemas::list_params::ListParams;
use crate::schemas::user::{UserCreate, UserId, parse_user_id};
use crate::services::error::ServiceError;
use crate::services::user_listing::UserListing;
use crate::services::user_service::UserService;

/// `POST /users` → 201 with the new user; 422 for an invalid body; 409 for a taken email.
pub async fn create_user(
    users: &UserService,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let body = request_body::read_json(request).await?;
    // `ApiError::Validation` used as a function: a variant with a field is also its
    // constructor, `|errors| ApiError::Validation(errors)`.
    let user = UserCreate::validate(body.as_ref()).map_err(ApiError::Validation)?;
    // The body may be 64 KiB of fields we ignore: let it go before waiting for the
    // database, so 200 clients waiting on one batch hold their users, not their bodies.
    drop(body);
    // `?` is Rust's `raise`, visible at the call: on an error it returns at once, and
    // `From` turns the service's error into an `ApiError` (409, 503) on the way out.
    let created = users.create_user(user.as_stored()).await?;
    Ok(json(StatusCode::CREATED, &user.with_id(created.id)))
}

/// `GET /users?skip=&limit=` → 200 with the users in id order (every user by
/// default); 422 for a bad `skip` or `limit`.
///
/// FastAPI would read `skip` and `limit` from the signature; here they are taken from
/// the query string ([`QueryParams`]) and validated ([`ListParams`]). The list is then
/// written as a `StreamingResponse` would write a generator's chunks: the first page is
/// read *before* answering, so the status can still be a 503 if the database is down;
/// a list that ends within that page (fewer rows than it asked for, or `limit` reached)
/// is sent whole (with a `content-length`, as FastAPI's `JSONResponse` sends every
/// list); a full first page may have more behind it, so that list is streamed, one page
/// per chunk, by [`send_pages`].
pub async fn get_users(
    users: &UserService,
    query: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let query = QueryParams::parse(query);
    let params = ListParams::validate(query.get("skip"), query.get("limit"))
        .map_err(ApiError::Validation)?;
    let mut listing = users.list_users(params);
    let first = listing.next_chunk().await?.unwrap_or_default();
    if listing.is_finished() {
        return Ok(json_body(StatusCode::OK, Body::whole(first)));
    }
    let (body, sender) = Body::stream();
    tokio::spawn(send_pages(first, listing, sender));
    Ok(json_body(StatusCode::OK, body))
}

/// Feeds a streamed list: each page goes out as one chunk, and the next page is read
/// only once the one-chunk channel to hyper has room ([`BodySender::send`] waits), so a
/// client that reads slowly holds about three pages at most (the one hyper is writing,
/// one in the channel, the one read here), never the table. If the database fails
/// mid-list the body is aborted: the connection closes without the terminating chunk,
/// and no client can take the truncated array for the whole list. The headers (a 200)
/// are long gone by then; this is the only honest way left to say it failed.
async fn send_pages(first: Bytes, mut listing: UserListing, sender: BodySender) {
    let mut chunk = first;
    loop {
        if sender.send(chunk).await.is_err() {
            return; // The client has gone: stop reading pages for nobody.
        }
        chunk = match listing.next_chunk().await {
            Ok(Some(chunk)) => chunk,
            // The `]` was sent: dropping the sender ends the body properly.
            Ok(None) => return,
            Err(err) => {
                sender
                    .abort(format!("GET /users failed mid-list: {err:?}"))
                    .await;
                return;
            }
        };
    }
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

/// Which HTTP error each service failure is: what the `?` after a service call does.
/// Here, in the layer that knows both, so that neither `http` nor `services` knows the
/// other (Rust lets an `impl From` live beside either type's users).
impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> ApiError {
        match err {
            ServiceError::EmailTaken => ApiError::EmailTaken,
            ServiceError::Unavailable => ApiError::DatabaseUnavailable,
            ServiceError::OutcomeUnknown => ApiError::OutcomeUnknown,
            ServiceError::WaitingForStandby => ApiError::WritesWaitForStandby,
            ServiceError::Unexpected(_) => ApiError::Internal,
        }
    }
}
