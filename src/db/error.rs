//! How a database call fails, sorted the way callers need it: "the database is not
//! there" (a 503 upstream, maybe worth a retry) or "PostgreSQL refused this statement"
//! (a constraint, a type: the caller decides). A framework with an ORM hides this
//! behind its own exception hierarchy; here it is one enum and one function.

use tokio::time::{Instant, timeout_at};

/// Why a database call failed, in the two ways that matter to a caller.
#[derive(Debug)]
pub enum DbError {
    /// No usable connection in time, or it broke mid-call. The reason is for the log.
    Unavailable(String),
    /// PostgreSQL answered with an error (a constraint, a type...). For the log; never
    /// shown to clients as is.
    Rejected(tokio_postgres::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Unavailable(reason) => write!(f, "database unavailable: {reason}"),
            DbError::Rejected(err) => write!(f, "database error: {}", describe(err)),
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
pub(super) fn classify(err: tokio_postgres::Error) -> DbError {
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
        DbError::Unavailable(describe(&err))
    } else {
        DbError::Rejected(err)
    }
}

/// tokio-postgres prints an error PostgreSQL sent as just "db error"; this says which:
/// the server's message and its SQLSTATE.
pub(super) fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}
