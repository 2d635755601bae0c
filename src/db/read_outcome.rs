//! What a routed read reports besides its rows: which connection answered it, and why
//! the primary did when a standby was there to ask ([`Reads`](super::Reads)). The
//! services count it per request (`userapi_reads_total`,
//! `userapi_read_fallbacks_total`), since only they know how many requests a batch's
//! statement answered.

use tokio_postgres::Row;

use crate::metrics;

/// Which connection answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    Primary,
    Standby,
}

/// Why a read that could have gone to the standby was answered by the primary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// The standby had no such row: maybe not replayed yet, so the primary is asked.
    NotFound,
    /// The standby had not replayed up to the read's fence in time.
    Lagging,
    /// No standby session is up (or the one up is on a primary).
    NoStandby,
    /// The standby did not answer within its budget.
    Deadline,
    /// The standby's connection failed under the read.
    Connection,
    /// Replay cancelled the query (SQLSTATE 40001, a recovery conflict).
    RecoveryConflict,
    /// The standby has been promoted to primary.
    Promoted,
    /// The standby refused the statement for another reason.
    Rejected,
}

impl Fallback {
    /// The `cause` label in `/metrics`.
    pub fn label(self) -> &'static str {
        match self {
            Fallback::NotFound => "not_found",
            Fallback::Lagging => "lagging",
            Fallback::NoStandby => "no_standby",
            Fallback::Deadline => "deadline",
            Fallback::Connection => "connection",
            Fallback::RecoveryConflict => "recovery_conflict",
            Fallback::Promoted => "promoted",
            Fallback::Rejected => "rejected",
        }
    }
}

/// A read's rows, which connection served them, and the fallback that sent it to the
/// primary, if any.
pub struct Read {
    pub rows: Vec<Row>,
    pub served: Served,
    pub fallback: Option<Fallback>,
}

impl Read {
    /// Counts `requests` reads answered by this one, by connection and fallback.
    pub fn count(&self, requests: usize) {
        let connection = match self.served {
            Served::Primary => "primary",
            Served::Standby => "standby",
        };
        metrics::reads::served(connection, requests);
        if let Some(fallback) = self.fallback {
            metrics::reads::fell_back(fallback.label(), requests);
        }
    }
}
