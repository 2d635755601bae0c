//! How a service call fails, in the caller's terms. The database's details are logged
//! here, once, where a [`DbError`] becomes a [`ServiceError`] (once per batch, not once
//! per request that shares it), and never travel further up: the HTTP layer only maps
//! the variant to a status code.

use crate::db::DbError;
use crate::logging::log;

/// What can go wrong in a service call, in the caller's terms. `Clone`, because one
/// failure can answer every request of a batch.
#[derive(Debug, Clone)]
pub enum ServiceError {
    /// Another user already has this email: the INSERT's `ON CONFLICT (email) DO NOTHING`
    /// returned no row for it (so no unique-violation error ever needs decoding).
    EmailTaken,
    /// PostgreSQL is unreachable or too slow, and nothing was done; try again later.
    Unavailable,
    /// A write was sent and its outcome is unknown: it may have been done.
    OutcomeUnknown,
    /// Writes wait for a synchronous standby to confirm commits; nothing was done.
    WaitingForStandby,
    /// Anything else: a bug or a schema mismatch. The cause, for the log; not shown.
    Unexpected(String),
}

impl From<DbError> for ServiceError {
    fn from(err: DbError) -> ServiceError {
        match err {
            DbError::Unavailable(reason) => {
                log!("database: {reason}");
                ServiceError::Unavailable
            }
            DbError::OutcomeUnknown(reason) => {
                log!("database: {reason}");
                ServiceError::OutcomeUnknown
            }
            DbError::WaitingForStandby(reason) => {
                log!("database: {reason}");
                ServiceError::WaitingForStandby
            }
            err => ServiceError::unexpected(format_args!("unexpected database error: {err}")),
        }
    }
}

impl ServiceError {
    /// A bug or a schema mismatch: logged here, once; the client gets a bare 500.
    pub fn unexpected(cause: impl std::fmt::Display) -> ServiceError {
        let cause = cause.to_string();
        log!("error: {cause}");
        ServiceError::Unexpected(cause)
    }
}
