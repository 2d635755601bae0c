//! What a routed read reports besides its rows: which connection answered it, and why
//! the primary did when a standby was there to ask. [`Reads`](super::Reads) counts it
//! per request (`userapi_reads_total`, `userapi_read_fallbacks_total`), not per
//! statement: one statement may answer a batch of look-ups.

use crate::metrics;

/// Why a read that could have gone to the standby was answered by the primary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fallback {
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
    pub(super) fn label(self) -> &'static str {
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

/// Which connection answered a read, and, for the primary, the fallback that sent it
/// there (`None`: there is no standby to ask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Primary(Option<Fallback>),
    Standby,
}

impl Outcome {
    pub(super) fn on_standby(self) -> bool {
        self == Outcome::Standby
    }

    /// Counts `requests` reads answered by this one, by connection and fallback.
    pub(super) fn count(self, requests: usize) {
        match self {
            Outcome::Standby => metrics::reads::served("standby", requests),
            Outcome::Primary(fallback) => {
                metrics::reads::served("primary", requests);
                if let Some(fallback) = fallback {
                    metrics::reads::fell_back(fallback.label(), requests);
                }
            }
        }
    }
}
