//! Where a read goes: to a hot standby when `READ_DATABASE_URL` gives one, else to the
//! primary; and never to an answer older than what its reader has already been told.
//!
//! With a standby configured, [`Reads`] holds two reconnecting connections: the
//! primary's (the one that writes) and the standby's. A read tries the standby and
//! falls back to the primary, within one call deadline, whenever the standby cannot
//! answer well: none connected, no answer within 1.5 s (`reads/standby.rs`), its query
//! cancelled by recovery (SQLSTATE 40001), its host promoted, or (for a
//! [`fresh`](Reads::fresh) read) its replay behind the primary's [`Fence`]. The first
//! fallback of an episode is logged, and so is the standby's return (after 10 s
//! without one). A FastAPI app
//! would have two SQLAlchemy engines and a session that picks one per query; the
//! picking, the fallback and the freshness would all be its own code, as here.
//!
//! Two kinds of read, because users rows are written once and never changed:
//! - [`replayed`](Reads::replayed): whatever the standby has. Every row it returns is
//!   final; a row it lacks may merely not be replayed yet, so the caller re-reads what
//!   it did not find on the primary ([`primary`](Reads::primary)). `GET /users/{id}`.
//! - [`fresh`](Reads::fresh): everything committed before the [`Fence`] was taken is
//!   there, or the primary answers. `GET /users`, where an absence cannot be re-read.

mod standby;

use std::sync::Arc;

use postgres_types::PgLsn;
use tokio::time::Instant;
use tokio_postgres::types::ToSql;

use super::connection::Database;
use super::error::DbError;
use super::read_outcome::{Fallback, Read, Served};
use super::wal_position::{self, Fence};
use standby::Standby;

/// Where reads go. Cheap to clone; clones share both connections.
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

    /// Reads on `standby` where it can answer, on `primary` where it cannot.
    pub fn with_standby(primary: Database, standby: Database) -> Reads {
        Reads {
            primary,
            standby: Some(Arc::new(Standby::new(standby))),
        }
    }

    /// Rows as the standby has replayed them (or the primary, if the standby cannot
    /// answer): every row returned is one that exists, a row missing may exist.
    pub async fn replayed(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Read, DbError> {
        self.on_standby_first(since, sql, params, None).await
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

    /// Rows that include every commit acknowledged before `fence` was taken.
    pub async fn fresh(
        &self,
        since: Instant,
        fence: Fence,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Read, DbError> {
        match fence.0 {
            Some(position) => {
                self.on_standby_first(since, sql, params, Some(position))
                    .await
            }
            None => self.primary(since, sql, params, None).await,
        }
    }

    /// On the primary, `because` of a fallback (or none: there is no standby).
    pub async fn primary(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        because: Option<Fallback>,
    ) -> Result<Read, DbError> {
        let rows = self.primary.read(since, sql, params).await?;
        Ok(Read {
            rows,
            served: Served::Primary,
            fallback: because,
        })
    }

    async fn on_standby_first(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        fence: Option<PgLsn>,
    ) -> Result<Read, DbError> {
        let Some(standby) = &self.standby else {
            return self.primary(since, sql, params, None).await;
        };
        match standby.read(since, sql, params, fence).await {
            Ok(rows) => {
                standby.answered();
                Ok(Read {
                    rows,
                    served: Served::Standby,
                    fallback: None,
                })
            }
            Err((cause, reason)) => {
                standby.fell_back(cause, &reason);
                self.primary(since, sql, params, Some(cause)).await
            }
        }
    }
}
