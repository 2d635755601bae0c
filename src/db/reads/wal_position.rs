//! The two numbers read-your-writes across replicas rests on: how far the primary's
//! write-ahead log is on disk, and how far a standby has replayed it.
//!
//! PostgreSQL names every byte of its WAL by a position, a log sequence number (LSN,
//! shown as `16/B374D848`). A commit is acknowledged only once its record is flushed,
//! so every commit acknowledged before the primary is asked lies at or below
//! `pg_current_wal_flush_lsn()` at that moment: a [`Fence`]. A standby whose
//! `pg_last_wal_replay_lsn()` has reached the fence has applied all of them, and a
//! statement that *starts* after it sees them (a hot standby's snapshot includes every
//! commit replayed before the snapshot is taken). Hence two statements, in that
//! order, on the same session: one that asked the position inside the read's own
//! statement could run on a snapshot taken before replay passed the fence.
//! SQLAlchemy or psycopg offer nothing of this: an app with a replica engine is
//! simply stale for a while after each write.

use postgres_types::PgLsn;
use tokio_postgres::Row;

use crate::db::error::DbError;

/// Asked of the primary: the end of the WAL on disk (every acknowledged commit).
pub(super) const PRIMARY_FLUSHED: &str = "SELECT pg_current_wal_flush_lsn()";
/// Asked of a standby: whether it is one still (a promoted standby says `false`), and
/// how far it has replayed the WAL (`NULL` on a server that never was a standby).
pub(super) const STANDBY_REPLAYED: &str = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()";

/// Where the primary's WAL was when a read began: what a standby must have replayed
/// to answer it. `Fence::NONE` when no standby is configured: nothing was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fence(pub(super) Option<PgLsn>);

impl Fence {
    pub const NONE: Fence = Fence(None);
}

/// The first row's first column of `PRIMARY_FLUSHED`.
pub(super) fn flushed(rows: &[Row]) -> Result<Option<PgLsn>, DbError> {
    match rows.first() {
        Some(row) => row.try_get(0).map_err(DbError::Rejected),
        None => Ok(None),
    }
}

/// `(in recovery, replayed up to)` from `STANDBY_REPLAYED`.
pub(super) fn replayed(rows: &[Row]) -> Result<(bool, Option<PgLsn>), DbError> {
    let Some(row) = rows.first() else {
        return Ok((false, None));
    };
    let in_recovery = row.try_get(0).map_err(DbError::Rejected)?;
    let replayed = row.try_get(1).map_err(DbError::Rejected)?;
    Ok((in_recovery, replayed))
}

/// Bytes of WAL between two positions, for the log.
pub(super) fn behind(ahead: PgLsn, behind: Option<PgLsn>) -> u64 {
    u64::from(ahead).saturating_sub(behind.map_or(0, u64::from))
}
