//! How a database call fails, sorted the way callers need it: "the database is not
//! there" (a 503 upstream, maybe worth a retry) or "PostgreSQL refused this statement"
//! (a constraint, a type: the caller decides). A framework with an ORM hides this
//! behind its own exception hierarchy; here it is one enum and one function.

use tokio::time::{Instant, timeout_at};
use tokio_postgres::error::SqlState;

/// Why a database call failed, in the two ways that matter to a caller.
#[derive(Debug)]
pub enum DbError {
    /// No usable connection in time, or it broke mid-call. The reason is for the log.
    Unavailable(String),
    /// PostgreSQL answered with an error (a constraint, a type...). For the log and for
    /// [`DbError::violated_unique`]; never shown to clients as is.
    Rejected(tokio_postgres::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Unavailable(reason) => write!(f, "database unavailable: {reason}"),
            // tokio-postgres prints a server-sent error as just "db error"; say which.
            DbError::Rejected(err) => match err.as_db_error() {
                Some(db) => write!(f, "database error: {} ({})", db.message(), db.code().code()),
                None => write!(f, "database error: {err}"),
            },
        }
    }
}

impl DbError {
    /// The constraint's name if this is a unique violation (SQLSTATE 23505).
    pub fn violated_unique(&self) -> Option<&str> {
        match self {
            DbError::Rejected(err) => err
                .as_db_error()
                .filter(|db| db.code() == &SqlState::UNIQUE_VIOLATION)
                .and_then(|db| db.constraint()),
            DbError::Unavailable(_) => None,
        }
    }
}

/// Awaits a database future until `deadline`, sorting its error into [`DbError`].
pub(super) async fn within<T>(
    deadline: Instant,
    call: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, DbError> {
    match timeout_at(deadline, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(classify(err)),
        Err(_) => Err(DbError::Unavailable(
            "the database did not answer in time".into(),
        )),
    }
}

/// An error is the connection's fault (503) unless PostgreSQL itself rejected the
/// statement. Shutdown and "cannot connect now" codes are the connection's fault too.
fn classify(err: tokio_postgres::Error) -> DbError {
    let connection_trouble = match err.code() {
        None => true,
        Some(code) => {
            let class = &code.code()[..2];
            class == "08" // connection exception
                || class == "57" // operator intervention: shutdown, crash
                || class == "53" // insufficient resources
        }
    };
    if connection_trouble {
        // tokio-postgres prints a server-sent error as just "db error"; say which.
        let reason = match err.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => err.to_string(),
        };
        DbError::Unavailable(reason)
    } else {
        DbError::Rejected(err)
    }
}
