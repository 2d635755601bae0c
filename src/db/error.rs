//! How a database call fails, sorted the way callers need it. A framework with an ORM
//! hides this behind its own exception hierarchy; here it is one enum and one function.
//!
//! What matters to a caller is whether the statement *happened*: a read can simply be
//! asked again, but a write whose fate is unknown must not be repeated by us, and its
//! client must be told that it may have happened (it can then ask, or retry and get a
//! 409 for an email already taken).

use tokio::time::{Instant, timeout_at};

/// Why a database call failed.
#[derive(Debug)]
pub enum DbError {
    /// Nothing happened: no usable connection in time, or the statement failed before
    /// it could change anything (cancelled, out of resources, refused as read-only).
    /// Safe to retry. The reason is for the log.
    Unavailable(String),
    /// The statement was sent and nobody can say whether it committed: the connection
    /// broke under it, it went unanswered past its deadline, or PostgreSQL committed it
    /// locally without the synchronous standby's confirmation it waits for.
    OutcomeUnknown(String),
    /// Commits on this host wait for a synchronous standby that is not there, so writes
    /// are not sent until one confirms again. Nothing happened.
    WaitingForStandby(String),
    /// PostgreSQL answered with an error (a constraint, a type...). For the log; never
    /// shown to clients as is.
    Rejected(tokio_postgres::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Unavailable(reason) => write!(f, "database unavailable: {reason}"),
            DbError::OutcomeUnknown(reason) => write!(f, "outcome unknown: {reason}"),
            DbError::WaitingForStandby(reason) => write!(f, "writes wait: {reason}"),
            DbError::Rejected(err) => write!(f, "database error: {}", describe(err)),
        }
    }
}

/// Awaits a database future until `deadline`, sorting its error into [`DbError`]. For
/// set-up statements, which change nothing a client was promised.
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

/// A failed statement, sorted: the connection's fault (it broke, or the server is
/// shutting down: whether the statement committed is unknown), the server refusing to
/// run it now (cancelled, out of resources: nothing happened), or PostgreSQL rejecting
/// the statement itself (the caller decides).
pub(super) fn classify(err: tokio_postgres::Error) -> DbError {
    let Some(code) = err.code() else {
        // No SQLSTATE: the socket closed or failed under the call.
        return DbError::OutcomeUnknown(describe(&err));
    };
    match &code.code()[..2] {
        // Connection exception; operator intervention (shutdown, crash).
        "08" => DbError::OutcomeUnknown(describe(&err)),
        "57" if code.code() != "57014" => DbError::OutcomeUnknown(describe(&err)),
        // 57014: the statement was cancelled (by us at its deadline, or by an
        // operator), so it did not commit; 53: insufficient resources (disk full, out
        // of memory, too many connections): it failed before changing anything.
        "57" | "53" => DbError::Unavailable(describe(&err)),
        _ => DbError::Rejected(err),
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
