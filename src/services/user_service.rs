//! The SQL behind the users endpoints: the seed's `create_user`, `get_users` and
//! `find_user`.
//!
//! The seed opens a connection per call, formats parameters with `%s` placeholders and
//! returns dicts. Here every statement is a constant, parameterised with `$n` (values
//! never touch the SQL text), prepared once per connection by the db layer (see
//! [`STATEMENTS`]), and rows become [`UserResponse`] values. The one error the seed lets
//! escape as a 500, a duplicate email, becomes [`ServiceError::EmailTaken`].

use tokio::time::Instant;
use tokio_postgres::Row;

use crate::db::{Database, DbError};
use crate::schemas::user::{UserCreate, UserResponse};

const INSERT_USER: &str = "INSERT INTO users (name, email, age) VALUES ($1, $2, $3) RETURNING id";
const SELECT_USERS: &str = "SELECT id, name, email, age FROM users ORDER BY id";
const SELECT_USER: &str = "SELECT id, name, email, age FROM users WHERE id = $1";

/// Every statement this service runs, for the db layer to prepare at connect time.
pub const STATEMENTS: &[&str] = &[INSERT_USER, SELECT_USERS, SELECT_USER];

/// The name PostgreSQL gives `email VARCHAR(255) UNIQUE` in `init.sql`.
const EMAIL_UNIQUE_CONSTRAINT: &str = "users_email_key";

/// What can go wrong in a service call, in the caller's terms.
#[derive(Debug)]
pub enum ServiceError {
    /// Another user already has this email.
    EmailTaken,
    /// PostgreSQL is unreachable or too slow; try again later.
    Unavailable,
    /// Anything else PostgreSQL refused; a bug or a schema mismatch. Logged, not shown.
    Unexpected(DbError),
}

impl From<DbError> for ServiceError {
    fn from(err: DbError) -> ServiceError {
        match err {
            DbError::Unavailable(reason) => {
                eprintln!("database: {reason}");
                ServiceError::Unavailable
            }
            err if err.violated_unique() == Some(EMAIL_UNIQUE_CONSTRAINT) => {
                ServiceError::EmailTaken
            }
            err => ServiceError::Unexpected(err),
        }
    }
}

/// Inserts a user and returns it with its new id. Never retried: if the connection
/// breaks mid-call the client gets a 503 and decides.
pub async fn create_user(db: &Database, user: &UserCreate) -> Result<UserResponse, ServiceError> {
    let rows = db
        .write(
            Instant::now(),
            INSERT_USER,
            &[&user.name, &user.email, &user.age],
        )
        .await?;
    let row = rows.first().ok_or_else(|| {
        ServiceError::Unexpected(DbError::Unavailable("INSERT returned no row".into()))
    })?;
    Ok(UserResponse {
        id: row.try_get(0).map_err(DbError::Rejected)?,
        name: user.name.clone(),
        email: user.email.clone(),
        age: Some(user.age),
    })
}

/// All users, ordered by id.
pub async fn get_users(db: &Database) -> Result<Vec<UserResponse>, ServiceError> {
    let rows = db.read(Instant::now(), SELECT_USERS, &[]).await?;
    rows.iter().map(user_from_row).collect()
}

/// One user by id, or `None`.
pub async fn find_user(db: &Database, user_id: i32) -> Result<Option<UserResponse>, ServiceError> {
    // `id` is the primary key: at most one row.
    let rows = db.read(Instant::now(), SELECT_USER, &[&user_id]).await?;
    rows.first().map(user_from_row).transpose()
}

fn user_from_row(row: &Row) -> Result<UserResponse, ServiceError> {
    let column_error = |e| ServiceError::Unexpected(DbError::Rejected(e));
    Ok(UserResponse {
        id: row.try_get("id").map_err(column_error)?,
        name: row.try_get("name").map_err(column_error)?,
        email: row.try_get("email").map_err(column_error)?,
        age: row.try_get("age").map_err(column_error)?,
    })
}
