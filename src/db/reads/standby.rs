//! The standby half of [`Reads`](super::Reads): one read on the standby's session,
//! after waiting for its replay where the read needs it, and every way that can fail
//! sorted into a [`Fallback`]; and the log's fallback episodes.

use std::sync::Mutex;
use std::time::Duration;

use postgres_types::PgLsn;
use tokio::time::{Instant, sleep};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::outcome::Fallback;
use super::wal_position;
use crate::db::error::DbError;
use crate::db::link::{Call, Database, Retired, Session};
use crate::logging::log;

/// How much of a request's time a standby may take. What is left of the call
/// deadline (4 s) is the primary's, so a paused standby costs a read 1.5 s, not a 503.
/// A statement silent on the wire this long (at least 1 s, `link/session.rs`) also retires
/// the standby session, so the next reads do not wait on it too.
const STANDBY_BUDGET: Duration = Duration::from_millis(1500);

/// How long a fresh read waits for the standby to replay up to its fence before
/// asking the primary. Replication applies a commit within a millisecond or two on a
/// LAN, and the primary answers in about one: longer waits would only add latency.
const LAG_WAIT: Duration = Duration::from_millis(20);

/// A fallback episode ends once the standby has answered with no fallback for this
/// long: a standby that lags now and then is one episode (two log lines), not two
/// lines per list request.
const QUIET_TO_END_EPISODE: Duration = Duration::from_secs(10);

/// The standby's connection, and when its reads last fell back in the current
/// fallback episode (`None`: no episode).
pub(super) struct Standby {
    db: Database,
    last_fallback: Mutex<Option<Instant>>,
}

impl Standby {
    pub(super) fn new(db: Database) -> Standby {
        Standby {
            db,
            last_fallback: Mutex::new(None),
        }
    }

    /// One read on the standby session, after it has replayed up to `fence` if given;
    /// on failure, which fallback and why, in words for the log.
    pub(super) async fn read(
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
        if !session.was_hot_standby_at_login() {
            let reason = format!("{} is not a standby (a primary was chosen)", session.host());
            return Err((Fallback::NoStandby, reason));
        }
        if session.promoted() {
            return Err(promoted(&session));
        }
        if let Some(fence) = fence {
            wait_for_replay(&session, fence, deadline).await?;
        }
        let sorted = |err| sort(err, &session, deadline);
        session
            .query(sql, params, deadline, Call::Read)
            .await
            .map_err(sorted)
    }

    /// Ends the fallback episode, if any, once it has been quiet long enough.
    pub(super) fn answered(&self) {
        let mut last = self.last_fallback.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| at.elapsed() >= QUIET_TO_END_EPISODE) {
            *last = None;
            log!("standby reads: the standby answers again; reading from it");
        }
    }

    /// Logs the first fallback of an episode; the rest are only counted.
    pub(super) fn fell_back(&self, cause: Fallback, reason: &str) {
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
        let asked = session.query(wal_position::STANDBY_REPLAYED, &[], deadline, Call::Read);
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
                session.host(),
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
    let reason = format!("{} was promoted to primary", session.host());
    session.retire(Retired::Promoted, reason.clone());
    (Fallback::Promoted, reason)
}

/// Which fallback a failed standby call is.
fn sort(err: DbError, session: &Session, deadline: Instant) -> (Fallback, String) {
    let host = session.host();
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
        _ => Fallback::Connection,
    };
    (cause, format!("{host}: {err}"))
}
