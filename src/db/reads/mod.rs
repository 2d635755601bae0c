//! Where a read goes: to a hot standby when `READ_DATABASE_URL` gives one, else to the
//! primary; and never to an answer older than what its reader has already been told.
//!
//! With a standby configured, [`Reads`] holds two links: the primary's (the one that
//! writes) and the standby's. A read tries the standby and falls back to the primary,
//! within one call deadline, whenever the standby cannot answer well: none connected,
//! no answer within 1.5 s (`standby.rs`), its query cancelled by recovery (SQLSTATE
//! 40001), its host promoted, or (for a [`fresh`](Reads::fresh) read) its replay
//! behind the primary's [`Fence`]. The first fallback of an episode is logged, and so
//! is the standby's return (after 10 s without one). A FastAPI app would have two
//! SQLAlchemy engines and a session that picks one per query; the picking, the
//! fallback and the freshness would all be its own code, as here.
//!
//! Two kinds of read, because users rows are written once and never changed:
//! - [`look_up`](Reads::look_up): rows by key, whatever the standby has. Every row it
//!   returns is final; a key it lacks may merely not be replayed yet, so those keys
//!   are asked of the primary before anyone is told "not found". `GET /users/{id}`.
//! - [`fresh`](Reads::fresh): everything committed before the [`Fence`] was taken is
//!   there, or the primary answers. `GET /users`, where an absence cannot be re-read.
//!
//! Each read is counted by the connection that answered it and, for the primary, the
//! fallback that sent it there (`outcome.rs`).
//!
//! Inside, top to bottom: `standby` → `outcome`, `wal_position`.

mod outcome;
mod standby;
mod wal_position;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use postgres_types::PgLsn;
use tokio::time::Instant;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::error::DbError;
use super::link::{Database, Preference, Role, Session};
use super::settings::{ConnectSettings, Setup, TargetSessionAttrs};
use outcome::{Fallback, Outcome};
use standby::Standby;
pub use wal_position::Fence;

/// With `prefer-standby`, a standby-read link settles on a primary when no standby
/// qualifies (none up yet, all restarting); it then looks for a standby again this
/// often, and moves to the first one that qualifies.
const STANDBY_RECHECK: Duration = Duration::from_secs(5);

/// The read routes' access to the database. Cheap to clone; clones share both links.
#[derive(Clone)]
pub struct Reads {
    primary: Database,
    standby: Option<Arc<Standby>>,
}

impl Reads {
    /// Every read on the primary: no `READ_DATABASE_URL`, the default.
    pub fn primary_only(primary: Database) -> Reads {
        Reads {
            primary,
            standby: None,
        }
    }

    /// Reads on a standby (the link [`start_standby`](Reads::start_standby) made)
    /// where it can answer, on `primary` where it cannot.
    pub fn with_standby(primary: Database, standby: Database) -> Reads {
        Reads {
            primary,
            standby: Some(Arc::new(Standby::new(standby))),
        }
    }

    /// Starts the standby's link: counted and logged apart from the primary's, and,
    /// with `prefer-standby`, moving from a primary to a standby once one qualifies.
    pub fn start_standby(settings: ConnectSettings, setup: Setup) -> Database {
        let preference =
            (settings.hosts.target == TargetSessionAttrs::PreferStandby).then(|| Preference {
                settings: settings.targeting(TargetSessionAttrs::Standby),
                holds: Session::was_hot_standby_at_login,
                every: (STANDBY_RECHECK, STANDBY_RECHECK),
            });
        Database::start_as(settings, setup, Role::StandbyReads, preference)
    }

    /// The rows of `keys`: `sql` takes the keys as `$1` (an `int4[]`) and returns each
    /// row found with its key in the first column. On the standby first; the keys it
    /// did not return are asked of the primary, so a row committed moments ago is
    /// found. Counted as one read per key.
    pub async fn look_up(
        &self,
        since: Instant,
        sql: &'static str,
        keys: &[i32],
    ) -> Result<Vec<Row>, DbError> {
        let (mut rows, outcome) = self.on_standby_first(since, sql, &[&keys], None).await?;
        if !outcome.on_standby() {
            outcome.count(keys.len());
            return Ok(rows);
        }
        let found: HashSet<i32> = rows.iter().filter_map(|row| row.try_get(0).ok()).collect();
        let missing: Vec<i32> = keys
            .iter()
            .filter(|key| !found.contains(key))
            .copied()
            .collect();
        outcome.count(keys.len() - missing.len());
        if !missing.is_empty() {
            let because = Some(Fallback::NotFound);
            let (again, outcome) = self.on_primary(since, sql, &[&missing], because).await?;
            outcome.count(missing.len());
            rows.extend(again);
        }
        Ok(rows)
    }

    /// The primary's flushed WAL position now, for [`fresh`](Reads::fresh) reads that
    /// begin after this call did; one short query, and none without a standby.
    pub async fn fence(&self, since: Instant) -> Result<Fence, DbError> {
        if self.standby.is_none() {
            return Ok(Fence::NONE);
        }
        let rows = self
            .primary
            .read(since, wal_position::PRIMARY_FLUSHED, &[])
            .await?;
        Ok(Fence(wal_position::flushed(&rows)?))
    }

    /// Rows that include every commit acknowledged before `fence` was taken. Counted
    /// as one read.
    pub async fn fresh(
        &self,
        since: Instant,
        fence: Fence,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let (rows, outcome) = match fence.0 {
            Some(position) => {
                self.on_standby_first(since, sql, params, Some(position))
                    .await?
            }
            None => self.on_primary(since, sql, params, None).await?,
        };
        outcome.count(1);
        Ok(rows)
    }

    /// On the primary, `because` of a fallback (or none: there is no standby).
    async fn on_primary(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        because: Option<Fallback>,
    ) -> Result<(Vec<Row>, Outcome), DbError> {
        let rows = self.primary.read(since, sql, params).await?;
        Ok((rows, Outcome::Primary(because)))
    }

    async fn on_standby_first(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        fence: Option<PgLsn>,
    ) -> Result<(Vec<Row>, Outcome), DbError> {
        let Some(standby) = &self.standby else {
            return self.on_primary(since, sql, params, None).await;
        };
        match standby.read(since, sql, params, fence).await {
            Ok(rows) => {
                standby.answered();
                Ok((rows, Outcome::Standby))
            }
            Err((cause, reason)) => {
                standby.fell_back(cause, &reason);
                self.on_primary(since, sql, params, Some(cause)).await
            }
        }
    }
}
