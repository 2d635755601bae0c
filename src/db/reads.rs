//! Where a read goes: to a hot standby when `READ_DATABASE_URL` gives one, else to the
//! primary; and never to an answer older than what its reader has already been told.
//!
//! With a standby configured, [`Reads`] holds two reconnecting connections: the
//! primary's (the one that writes) and the standby's. A read tries the standby and
//! falls back to the primary, within one call deadline, whenever the standby cannot
//! answer well: none connected, no answer within [`STANDBY_BUDGET`], its query
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

use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres_types::PgLsn;
use tokio::time::{Instant, sleep};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::connection::Database;
use super::error::DbError;
use super::read_outcome::{Fallback, Read, Served};
use super::session::{Retired, Session};
use super::wal_position::{self, Fence};
use crate::logging::log;

/// How much of a request's time a standby may take. What is left of the call
/// deadline (4 s) is the primary's, so a paused standby costs a read 1.5 s, not a 503.
/// A statement silent on the wire this long (at least 1 s, `session.rs`) also retires
/// the standby session, so the next reads do not wait on it too.
const STANDBY_BUDGET: Duration = Duration::from_millis(1500);

/// How long a fresh read waits for the standby to replay up to its fence before
/// asking the primary. Replication applies a commit within a millisecond or two on a
/// LAN, and the primary answers in about one: longer waits would only add latency.
const LAG_WAIT: Duration = Duration::from_millis(20);

/// Where reads go. Cheap to clone; clones share both connections.
#[derive(Clone)]
pub struct Reads {
    primary: Database,
    standby: Option<Arc<Standby>>,
}

/// A fallback episode ends once the standby has answered with no fallback for this
/// long: a standby that lags now and then is one episode (two log lines), not two
/// lines per list request.
const QUIET_TO_END_EPISODE: Duration = Duration::from_secs(10);

/// The standby's connection, and when its reads last fell back in the current
/// fallback episode (`None`: no episode).
struct Standby {
    db: Database,
    last_fallback: Mutex<Option<Instant>>,
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
        let standby = Standby {
            db: standby,
            last_fallback: Mutex::new(None),
        };
        Reads {
            primary,
            standby: Some(Arc::new(standby)),
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

impl Standby {
    /// One read on the standby session, after it has replayed up to `fence` if given;
    /// on failure, which fallback and why, in words for the log.
    async fn read(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        fence: Option<PgLsn>,
    ) -> Result<Vec<Row>, (Fallback, String)> {
        let deadline = since + STANDBY_BUDGET;
        let Some(session) = self.db.session_now() else {
            return Err((Fallback::NoStandby, "no standby connected".into()));
        };
        if !session.read_only {
            let reason = format!("{} is not a standby (a primary was chosen)", session.host);
            return Err((Fallback::NoStandby, reason));
        }
        if !session.hot_standby.get() {
            return Err(promoted(&session));
        }
        if let Some(fence) = fence {
            wait_for_replay(&session, fence, deadline).await?;
        }
        let sorted = |err| sort(err, &session, deadline);
        session.query(sql, params, deadline).await.map_err(sorted)
    }

    /// Ends the fallback episode, if any, once it has been quiet long enough.
    fn answered(&self) {
        let mut last = self.last_fallback.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| at.elapsed() >= QUIET_TO_END_EPISODE) {
            *last = None;
            log!("standby reads: the standby answers again; reading from it");
        }
    }

    /// Logs the first fallback of an episode; the rest are only counted.
    fn fell_back(&self, cause: Fallback, reason: &str) {
        let mut last = self.last_fallback.lock().unwrap_or_else(|e| e.into_inner());
        if last.replace(Instant::now()).is_none() {
            let cause = cause.label();
            log!("standby reads: {reason} ({cause}); reading from the primary until it answers");
        }
    }
}

/// Polls the standby's replay position until it reaches `fence`, for [`LAG_WAIT`] at
/// most (and within `deadline`): short sleeps, doubling from 1 ms.
async fn wait_for_replay(
    session: &Session,
    fence: PgLsn,
    deadline: Instant,
) -> Result<(), (Fallback, String)> {
    let give_up = deadline.min(Instant::now() + LAG_WAIT);
    let mut pause = Duration::from_millis(1);
    loop {
        let asked = session.query(wal_position::STANDBY_REPLAYED, &[], deadline);
        let rows = asked.await.map_err(|err| sort(err, session, deadline))?;
        let replayed = wal_position::replayed(&rows);
        let (in_recovery, replayed) = replayed.map_err(|err| sort(err, session, deadline))?;
        if !in_recovery {
            return Err(promoted(session));
        }
        if replayed.is_some_and(|replayed| replayed >= fence) {
            return Ok(());
        }
        if Instant::now() + pause > give_up {
            let behind = wal_position::behind(fence, replayed);
            let reason = format!(
                "{} has replayed the WAL only up to {}, {behind} bytes behind the primary",
                session.host,
                replayed.map_or("nothing".to_string(), |lsn| lsn.to_string())
            );
            return Err((Fallback::Lagging, reason));
        }
        sleep(pause).await;
        pause *= 2;
    }
}

/// The session's host is a primary now: the session is retired (the supervisor
/// connects again, to a host that qualifies) and this read falls back.
fn promoted(session: &Session) -> (Fallback, String) {
    let reason = format!("{} was promoted to primary", session.host);
    session.retire(Retired::Promoted, reason.clone());
    (Fallback::Promoted, reason)
}

/// Which fallback a failed standby call is.
fn sort(err: DbError, session: &Session, deadline: Instant) -> (Fallback, String) {
    let host = &session.host;
    if Instant::now() >= deadline {
        return (Fallback::Deadline, format!("{host}: {err}"));
    }
    let cause = match &err {
        DbError::Rejected(rejected) => match rejected.code().map(|code| code.code()) {
            // "canceling statement due to conflict with recovery": replay needed to
            // remove rows this query could still see, and would not wait for it.
            Some("40001") => Fallback::RecoveryConflict,
            _ => Fallback::Rejected,
        },
        DbError::Unavailable(_) => Fallback::Connection,
    };
    (cause, format!("{host}: {err}"))
}
