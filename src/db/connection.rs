//! The one PostgreSQL connection every request shares, kept alive by a supervisor task.
//!
//! The seed's `get_connection()` opens a new psycopg2 connection for every request and
//! closes it afterwards: a TCP and authentication handshake per call. Here a single
//! tokio-postgres `Client` serves everybody. It is safe to share: concurrent queries are
//! *pipelined* on the one socket (sent back to back, answered in order), so a request
//! never waits for a free connection, and PostgreSQL runs one backend instead of many.
//!
//! [`Database::start`] spawns a supervisor that connects, creates the table (the same
//! DDL as `init.sql`), prepares the services' statements once, publishes the session,
//! and when the connection dies clears it and reconnects with capped backoff. Requests
//! wait a bounded time for a session and answer 503 ([`DbError::Unavailable`]) rather
//! than hang. A read that meets a broken connection runs once more on the next one; a
//! write never does: whether a failed INSERT was committed is unknowable, and the
//! client must be told so rather than have it done twice. Most calls come from a
//! [`Batcher`](super::Batcher): one statement on behalf of many concurrent requests.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use super::error::{DbError, within};
use super::supervisor::supervise;
use super::tls::TlsSettings;

/// How long a request waits for a connection to exist. Long enough to ride out a quick
/// PostgreSQL restart, short enough that an outage answers 503 promptly.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// The whole budget of one database call, waiting included: a request gets its 503
/// within this, whatever the network does.
const CALL_DEADLINE: Duration = Duration::from_secs(4);

/// What a connection needs before requests may use it.
#[derive(Clone, Copy)]
pub struct Setup {
    /// Idempotent DDL run at every connect (`CREATE TABLE IF NOT EXISTS ...`).
    pub schema: &'static str,
    /// Statements to prepare once per connection; look-ups use the same `&str`.
    pub statements: &'static [&'static str],
}

/// Where PostgreSQL is and how to talk to it: tokio-postgres's settings (host, user,
/// password...) and the TLS ones it has no words for (`sslmode=verify-full`...).
#[derive(Clone)]
pub struct ConnectSettings {
    pub postgres: tokio_postgres::Config,
    pub tls: TlsSettings,
}

/// Plain settings get libpq's default TLS behaviour, `sslmode=prefer`.
impl From<tokio_postgres::Config> for ConnectSettings {
    fn from(postgres: tokio_postgres::Config) -> ConnectSettings {
        ConnectSettings {
            postgres,
            tls: TlsSettings::default(),
        }
    }
}

/// A handle to the shared connection. Cheap to clone; all clones share one session.
#[derive(Clone)]
pub struct Database {
    current: watch::Receiver<Option<Arc<Session>>>,
}

/// A live connection and the statements prepared on it.
pub(super) struct Session {
    pub(super) client: Client,
    pub(super) prepared: Vec<(&'static str, Statement)>,
}

impl Database {
    /// Starts the supervisor and returns at once: the server can answer `GET /` (and
    /// 503s) while PostgreSQL is still down.
    pub fn start(settings: impl Into<ConnectSettings>, setup: Setup) -> Database {
        let mut settings = settings.into();
        let config = &mut settings.postgres;
        config.connect_timeout(super::supervisor::CONNECT_TIMEOUT);
        // Detect a peer that vanished without closing the socket.
        config.keepalives_idle(Duration::from_secs(10));
        if config.get_application_name().is_none() {
            config.application_name("userapi");
        }
        let (publish, current) = watch::channel(None);
        tokio::spawn(supervise(settings, setup, publish));
        Database { current }
    }

    /// Runs a read-only statement and collects its rows. If the connection breaks
    /// under it (PostgreSQL restarted, the backend was terminated), it runs once more
    /// on the next connection: reading twice is harmless, and the client gets its
    /// answer instead of a 503.
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
        match session.query(sql, params, deadline).await {
            Err(DbError::Unavailable(reason)) => {
                crate::log!("database: {reason}; reading again on the next connection");
                // The broken session may still look open for a moment: wait for
                // another one rather than fail on it twice.
                let wait_until = deadline.min(Instant::now() + ACQUIRE_TIMEOUT);
                let next = self.session(wait_until, Some(&session)).await?;
                next.query(sql, params, deadline).await
            }
            other => other,
        }
    }

    /// Runs a statement that changes data, exactly once, and returns its rows
    /// (`RETURNING`). If the connection breaks under it, whether it committed is
    /// unknowable, so the caller is told ([`DbError::Unavailable`]) rather than risk
    /// doing it twice.
    ///
    /// `Ok` means committed: the statement runs in an implicit transaction that
    /// PostgreSQL commits at the protocol's Sync message, before it sends
    /// ReadyForQuery (with `synchronous_commit` on, after the commit is on disk), and
    /// tokio-postgres ends a query's rows only at that ReadyForQuery. A failed commit
    /// arrives as an error in the same place.
    pub async fn write(
        &self,
        since: Instant,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let session = self.session(since + ACQUIRE_TIMEOUT, None).await?;
        session.query(sql, params, since + CALL_DEADLINE).await
    }

    /// Whether a session is up at this instant, without waiting: what a readiness probe
    /// asks. The supervisor clears the session as soon as the connection ends.
    pub fn is_connected(&self) -> bool {
        let current = self.current.borrow();
        current.as_ref().is_some_and(|s| !s.client.is_closed())
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
                !s.client.is_closed() && !broken.is_some_and(|broken| Arc::ptr_eq(s, broken))
            })
        };
        match timeout_at(wait_until, current.wait_for(ready)).await {
            Ok(Ok(session)) => session
                .clone()
                .ok_or_else(|| DbError::Unavailable("no connection".into())),
            Ok(Err(_)) => Err(DbError::Unavailable("database supervisor stopped".into())),
            Err(_) => Err(DbError::Unavailable(
                "no connection to PostgreSQL (it is down or unreachable)".into(),
            )),
        }
    }
}

impl Session {
    async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        deadline: Instant,
    ) -> Result<Vec<Row>, DbError> {
        let statement = self.statement(sql, deadline).await?;
        within(deadline, self.client.query(&statement, params)).await
    }

    /// The statement prepared for `sql` at connect time; one not in the setup list is
    /// prepared now (one extra round trip) rather than refused.
    async fn statement(&self, sql: &str, deadline: Instant) -> Result<Statement, DbError> {
        match self.prepared.iter().find(|(text, _)| *text == sql) {
            Some((_, statement)) => Ok(statement.clone()),
            None => within(deadline, self.client.prepare(sql)).await,
        }
    }
}
