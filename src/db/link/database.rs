//! [`Database`]: the handle to a link, the one PostgreSQL connection every request
//! shares, kept alive by a supervisor task.
//!
//! The seed's `get_connection()` opens a new psycopg2 connection for every request and
//! closes it afterwards: a TCP and authentication handshake per call. Here a single
//! tokio-postgres `Client` serves everybody. It is safe to share: concurrent queries are
//! *pipelined* on the one socket (sent back to back, answered in order), so a request
//! never waits for a free connection, and PostgreSQL runs one backend instead of many.
//!
//! [`Database::start`] spawns a supervisor that connects, creates the table (the same
//! DDL as `init.sql`), prepares the services' statements once, publishes the session,
//! and when the connection dies clears it and reconnects with capped backoff; a session
//! that stops answering is replaced the same way (`session.rs`). Requests
//! wait a bounded time for a session and answer 503 ([`DbError::Unavailable`]) rather
//! than hang. A read that meets a broken connection runs once more on the next one; a
//! write never does: whether a failed INSERT was committed is unknowable, and the
//! client must be told so rather than have it done twice. Most calls come from a
//! [`Batcher`](crate::db::Batcher): one statement on behalf of many concurrent requests.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::deadline::{CALL_DEADLINE, Call};
use super::preference::Preference;
use super::role::Role;
use super::session::Session;
use super::session_maker::SessionMaker;
use super::supervisor::supervise;
use crate::db::error::DbError;
use crate::db::settings::{ConnectSettings, Setup, TargetSessionAttrs};

/// How long a request waits for a connection to exist. Long enough to ride out a quick
/// PostgreSQL restart, short enough that an outage answers 503 promptly.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// A handle to the shared connection. Cheap to clone; all clones share one session.
/// A `watch` channel holds only its latest value: the supervisor replaces the session,
/// and every request reads whichever is current.
#[derive(Clone)]
pub struct Database {
    current: watch::Receiver<Option<Arc<Session>>>,
}

impl Database {
    /// Starts the primary's link and returns at once, without waiting for a
    /// connection: the server can answer `GET /` (and 503s) while PostgreSQL is down.
    pub fn start(settings: impl Into<ConnectSettings>, setup: Setup) -> Database {
        let settings = settings.into();
        // A session chosen for being read-only (a standby, on purpose) is not asked to
        // write; any other that refuses writes has the link look for one that takes them.
        let chosen_read_only = matches!(
            settings.hosts.target,
            TargetSessionAttrs::ReadOnly
                | TargetSessionAttrs::Standby
                | TargetSessionAttrs::PreferStandby
        );
        let writable = (!chosen_read_only).then(|| Preference::writable(&settings));
        Database::start_as(settings, setup, Role::Primary, writable)
    }

    /// [`Database::start`] for a link in `role`, which looks for the session its
    /// `preference` describes while it holds another (the standby reads' link does).
    pub(in crate::db) fn start_as(
        settings: ConnectSettings,
        setup: Setup,
        role: Role,
        preference: Option<Preference>,
    ) -> Database {
        let (publish, current) = watch::channel(None);
        let maker = SessionMaker::new(settings, setup, role);
        tokio::spawn(supervise(maker, preference, publish));
        Database { current }
    }

    /// Runs a read-only statement and collects its rows. If it fails without an
    /// answer that says the statement itself is wrong (the connection broke, the
    /// backend was terminated or cancelled, the session was replaced), it runs once
    /// more: on the next session if this one is gone, else on this one. Reading twice
    /// is harmless, and the client gets its answer instead of a 503.
    ///
    /// `since` is when the request arrived (for a batch, its oldest request): the
    /// budgets count from there, so time spent queueing for a batch is not granted twice.
    pub async fn read(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let deadline = since + CALL_DEADLINE;
        let session = self.session(since + ACQUIRE_TIMEOUT, None).await?;
        let read = match session.query(sql, params, deadline, Call::Read).await {
            // A read that used up its budget has none left for a second try. (`A(x) |
            // B(x)`: either shape, binding `x`.)
            Err(DbError::Unavailable(reason) | DbError::OutcomeUnknown(reason))
                if Instant::now() < deadline =>
            {
                crate::logging::log!("database: {reason}; reading again");
                self.once_more(&session, deadline, sql, params, Call::Read)
                    .await
            }
            other => other,
        };
        // A read changes nothing: whatever its fate, nothing is unknown.
        read.map_err(|err| match err {
            DbError::OutcomeUnknown(reason) => DbError::Unavailable(reason),
            other => other,
        })
    }

    /// Runs a statement that changes data, exactly once, and returns its rows
    /// (`RETURNING`). If the connection breaks under it, whether it committed is
    /// unknowable, so the caller is told ([`DbError::OutcomeUnknown`]) rather than
    /// risk doing it twice. Only a statement known not to have run (its session was
    /// replaced for a reason that stops statements before they run: stale prepared
    /// statements, a host no longer a primary) runs again, on the next session.
    ///
    /// `Ok` means committed and, where synchronous replication is on, confirmed: the
    /// statement runs in an implicit transaction that PostgreSQL commits at the
    /// protocol's Sync message, before it sends ReadyForQuery (after the commit is on
    /// disk, and on a synchronous standby), and tokio-postgres ends a query's rows only
    /// at that ReadyForQuery. A failed commit arrives as an error in the same place; a
    /// commit only warned about, as [`DbError::OutcomeUnknown`] (`session.rs`).
    pub async fn write(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let deadline = since + CALL_DEADLINE;
        let session = self.session(since + ACQUIRE_TIMEOUT, None).await?;
        match session.query(sql, params, deadline, Call::Write).await {
            Err(DbError::Unavailable(reason))
                if !session.is_usable() && Instant::now() < deadline =>
            {
                crate::logging::log!("database: {reason}; writing on the next connection");
                self.once_more(&session, deadline, sql, params, Call::Write)
                    .await
            }
            other => other,
        }
    }

    /// The call again after it failed on `failed`: on the next session if that one is
    /// gone (a broken session may still look open for a moment: wait for another one
    /// rather than fail on it twice), else on `failed` itself, which serves again.
    async fn once_more(
        &self,
        failed: &Arc<Session>,
        deadline: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        call: Call,
    ) -> Result<Vec<Row>, DbError> {
        let broken = (!failed.is_usable()).then_some(failed);
        let wait_until = deadline.min(Instant::now() + ACQUIRE_TIMEOUT);
        let next = self.session(wait_until, broken).await?;
        next.query(sql, params, deadline, call).await
    }

    /// Whether a session is up at this instant, without waiting: what a readiness probe
    /// asks. The supervisor clears the session as soon as the connection ends or is
    /// retired, and publishes the next one when it is made.
    pub fn is_connected(&self) -> bool {
        let current = self.current.borrow();
        current.as_ref().is_some_and(|s| s.is_usable())
    }

    /// The session up at this instant, if any, without waiting: for a read that has
    /// somewhere else to go (`db/reads/`).
    pub(in crate::db) fn session_now(&self) -> Option<Arc<Session>> {
        let current = self.current.borrow();
        current.as_ref().filter(|s| s.is_usable()).cloned()
    }

    /// The current session, waiting until `wait_until` at most for the supervisor to
    /// make one; never `broken`, a session a call has just failed on.
    async fn session(
        &self,
        wait_until: Instant,
        broken: Option<&Arc<Session>>,
    ) -> Result<Arc<Session>, DbError> {
        let mut current = self.current.clone();
        let ready = |s: &Option<Arc<Session>>| {
            s.as_ref().is_some_and(|s| {
                s.is_usable() && !broken.is_some_and(|broken| Arc::ptr_eq(s, broken))
            })
        };
        match timeout_at(wait_until, current.wait_for(ready)).await {
            Ok(Ok(session)) => session
                .clone()
                .ok_or_else(|| DbError::Unavailable("no connection".into())),
            Ok(Err(_)) => Err(DbError::Unavailable("database supervisor stopped".into())),
            // True whatever the cause: the supervisor's log says which host failed how.
            Err(_) => Err(DbError::Unavailable(
                "no usable connection to PostgreSQL in time (still connecting; the \
                 `database:` lines before this say why)"
                    .into(),
            )),
        }
    }
}
