//! A failed statement, sorted by what it means for the session it ran on: most leave
//! it as it is (`db/error.rs` sorts those for the caller), some retire it (the host
//! stopped being a primary, is shutting down, or its prepared statements no longer fit
//! the tables), and one closes its write gate (a session read-only since login).

use crate::db::error::{DbError, classify, describe};

/// Why a session was retired: the label of `userapi_database_replacements_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::db) enum Retired {
    /// It stopped answering: see `progress.rs` and `deadline.rs`.
    Deadline,
    /// A write was refused because the host no longer takes writes (25006).
    ReadOnly,
    /// The server is shutting down or not yet up (57P01, 57P02, 57P03).
    Shutdown,
    /// A session kept for standby reads found its host promoted to primary (`db/reads/`).
    Promoted,
    /// Its prepared statements no longer fit the tables (0A000 from plan
    /// revalidation, 26000): a new session prepares them afresh.
    StaleStatements,
    /// The link moved to a session it prefers (`preference.rs`, `standby_wait.rs`).
    Moved,
}

impl Retired {
    pub(super) fn label(self) -> &'static str {
        match self {
            Retired::Deadline => "deadline",
            Retired::ReadOnly => "read_only",
            Retired::Shutdown => "shutdown",
            Retired::Promoted => "promoted",
            Retired::StaleStatements => "stale_statements",
            Retired::Moved => "moved",
        }
    }
}

/// What a failed statement means for its session.
pub(super) enum Failure {
    /// Nothing for the session: this error for the caller.
    Plain(DbError),
    /// Retire the session, for this cause and reason; the caller gets the error that
    /// `outcome` makes of the log message.
    Retire(Retired, String, fn(String) -> DbError),
    /// The session cannot write (read-only since login), as PostgreSQL said.
    RefusesWrites(String),
}

/// Sorts `err`, from a session that was read-only at login or not.
pub(super) fn sort(err: tokio_postgres::Error, read_only_at_login: bool) -> Failure {
    let routine = err.as_db_error().and_then(|db| db.routine());
    let (why, outcome): (Retired, fn(String) -> DbError) = match err.code().map(|c| c.code()) {
        // Read-only since login: a new login may find the database writable.
        Some("25006") if read_only_at_login => return Failure::RefusesWrites(describe(&err)),
        // Refused before it ran: nothing happened, and the next session may take it.
        Some("25006") => (Retired::ReadOnly, DbError::Unavailable),
        Some("57P01" | "57P02" | "57P03") => (Retired::Shutdown, DbError::OutcomeUnknown),
        // Raised before the statement runs: nothing happened.
        Some("26000") => (Retired::StaleStatements, DbError::Unavailable),
        Some("0A000") if routine == Some("RevalidateCachedQuery") => {
            (Retired::StaleStatements, DbError::Unavailable)
        }
        _ => return Failure::Plain(classify(err)),
    };
    let mut reason = describe(&err);
    if why == Retired::StaleStatements {
        reason.push_str(
            ": a column changed under the prepared statements, which a new connection \
             prepares again",
        );
    }
    Failure::Retire(why, reason, outcome)
}
