//! Which of the service's two connections a link is: the primary's, which every write
//! and (by default) every read uses, or the standby's that serves reads when
//! `READ_DATABASE_URL` is set. The role names the link in the log and says whose
//! health counters it keeps; `deadline.rs` gives each its stall limit.

use crate::metrics::database::{self, ConnectionHealth};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Primary,
    StandbyReads,
}

impl Role {
    /// How its log lines start: `database: ...`, `read database: ...`.
    pub(super) fn log_name(self) -> &'static str {
        match self {
            Role::Primary => "database",
            Role::StandbyReads => "read database",
        }
    }

    /// Its families in `/metrics`: `userapi_database_*`, `userapi_standby_database_*`.
    pub(super) fn health(self) -> &'static ConnectionHealth {
        match self {
            Role::Primary => &database::PRIMARY,
            Role::StandbyReads => &database::STANDBY_READS,
        }
    }
}
