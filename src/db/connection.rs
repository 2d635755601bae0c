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
//! than hang. Nothing here retries a statement: whether a failed INSERT was committed is
//! unknowable, and the client must be told so rather than have it done twice.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep, timeout_at};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

use crate::config::describe_database;

/// How long one connection attempt (TCP + authentication + setup) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a request waits for a connection to exist. Long enough to ride out a quick
/// PostgreSQL restart, short enough that an outage answers 503 promptly.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// The whole budget of one database call, waiting included: a request gets its 503
/// within this, whatever the network does.
const CALL_DEADLINE: Duration = Duration::from_secs(4);
/// Reconnect backoff: doubles from the first value up to the second. The cap bounds how
/// long PostgreSQL can be back before we notice.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_millis(500));

/// What a connection needs before requests may use it.
#[derive(Clone, Copy)]
pub struct Setup {
    /// Idempotent DDL run at every connect (`CREATE TABLE IF NOT EXISTS ...`).
    pub schema: &'static str,
    /// Statements to prepare once per connection; look-ups use the same `&str`.
    pub statements: &'static [&'static str],
}

/// A handle to the shared connection. Cheap to clone; all clones share one session.
#[derive(Clone)]
pub struct Database {
    current: watch::Receiver<Option<Arc<Session>>>,
}

/// A live connection and the statements prepared on it.
struct Session {
    client: Client,
    prepared: Vec<(&'static str, Statement)>,
}

/// Why a database call failed, in the two ways that matter to a caller.
#[derive(Debug)]
pub enum DbError {
    /// No usable connection in time, or it broke mid-call. The reason is for the log.
    Unavailable(String),
    /// PostgreSQL answered with an error (a constraint, a type...). For the log and for
    /// [`DbError::violated_unique`]; never shown to clients as is.
    Rejected(tokio_postgres::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Unavailable(reason) => write!(f, "database unavailable: {reason}"),
            DbError::Rejected(err) => write!(f, "database error: {err}"),
        }
    }
}

impl DbError {
    /// The constraint's name if this is a unique violation (SQLSTATE 23505).
    pub fn violated_unique(&self) -> Option<&str> {
        match self {
            DbError::Rejected(err) => err
                .as_db_error()
                .filter(|db| db.code() == &SqlState::UNIQUE_VIOLATION)
                .and_then(|db| db.constraint()),
            DbError::Unavailable(_) => None,
        }
    }
}

impl Database {
    /// Starts the supervisor and returns at once: the server can answer `GET /` (and
    /// 503s) while PostgreSQL is still down.
    pub fn start(mut config: tokio_postgres::Config, setup: Setup) -> Database {
        config.connect_timeout(CONNECT_TIMEOUT);
        // Detect a peer that vanished without closing the socket.
        config.keepalives_idle(Duration::from_secs(10));
        if config.get_application_name().is_none() {
            config.application_name("userapi");
        }
        let (publish, current) = watch::channel(None);
        tokio::spawn(supervise(config, setup, publish));
        Database { current }
    }

    /// Runs a statement that returns at most one row.
    pub async fn query_opt(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, DbError> {
        let deadline = Instant::now() + CALL_DEADLINE;
        let session = self.session(deadline).await?;
        let statement = session.statement(sql, deadline).await?;
        within(deadline, session.client.query_opt(&statement, params)).await
    }

    /// Runs a statement that returns exactly one row.
    pub async fn query_one(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, DbError> {
        let deadline = Instant::now() + CALL_DEADLINE;
        let session = self.session(deadline).await?;
        let statement = session.statement(sql, deadline).await?;
        within(deadline, session.client.query_one(&statement, params)).await
    }

    /// Runs a statement and collects all its rows.
    pub async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let deadline = Instant::now() + CALL_DEADLINE;
        let session = self.session(deadline).await?;
        let statement = session.statement(sql, deadline).await?;
        within(deadline, session.client.query(&statement, params)).await
    }

    /// The current session, waiting (boundedly) for the supervisor to make one.
    async fn session(&self, deadline: Instant) -> Result<Arc<Session>, DbError> {
        let mut current = self.current.clone();
        let wait_until = deadline.min(Instant::now() + ACQUIRE_TIMEOUT);
        let ready = |s: &Option<Arc<Session>>| s.as_ref().is_some_and(|s| !s.client.is_closed());
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
    /// The statement prepared for `sql` at connect time; one not in the setup list is
    /// prepared now (one extra round trip) rather than refused.
    async fn statement(&self, sql: &str, deadline: Instant) -> Result<Statement, DbError> {
        match self.prepared.iter().find(|(text, _)| *text == sql) {
            Some((_, statement)) => Ok(statement.clone()),
            None => within(deadline, self.client.prepare(sql)).await,
        }
    }
}

/// Awaits a database future until `deadline`, sorting its error into [`DbError`].
async fn within<T>(
    deadline: Instant,
    call: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, DbError> {
    match timeout_at(deadline, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(classify(err)),
        Err(_) => Err(DbError::Unavailable(
            "the database did not answer in time".into(),
        )),
    }
}

/// An error is the connection's fault (503) unless PostgreSQL itself rejected the
/// statement. Shutdown and "cannot connect now" codes are the connection's fault too.
fn classify(err: tokio_postgres::Error) -> DbError {
    let connection_trouble = match err.code() {
        None => true,
        Some(code) => {
            let class = &code.code()[..2];
            class == "08" // connection exception
                || class == "57" // operator intervention: shutdown, crash
                || class == "53" // insufficient resources
        }
    };
    if connection_trouble {
        DbError::Unavailable(err.to_string())
    } else {
        DbError::Rejected(err)
    }
}

/// Connects, publishes the session, waits for the connection to end, and starts over,
/// until every `Database` handle is gone.
async fn supervise(
    config: tokio_postgres::Config,
    setup: Setup,
    publish: watch::Sender<Option<Arc<Session>>>,
) {
    let target = describe_database(&config);
    let mut backoff = BACKOFF.0;
    let mut last_failure = String::new();
    loop {
        let attempt = connect(&config, setup);
        let outcome = tokio::select! {
            outcome = attempt => outcome,
            _ = publish.closed() => return,
        };
        match outcome {
            Ok((session, connection)) => {
                eprintln!("database: connected to {target}");
                backoff = BACKOFF.0;
                last_failure.clear();
                publish.send_replace(Some(Arc::new(session)));
                let ended = tokio::select! {
                    ended = connection => ended,
                    _ = publish.closed() => return,
                };
                publish.send_replace(None);
                let reason = match ended {
                    Ok(Ok(())) => "closed by the server".to_string(),
                    Ok(Err(err)) => err.to_string(),
                    Err(join_error) => join_error.to_string(),
                };
                eprintln!("database: connection lost ({reason}); reconnecting");
            }
            Err(reason) => {
                // One line per distinct failure, not one every backoff step.
                if reason != last_failure {
                    eprintln!("database: cannot connect to {target}: {reason}; retrying");
                    last_failure = reason;
                }
                sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF.1);
            }
        }
    }
}

type ConnectionTask = tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>;

/// One connection attempt: connect, run the schema DDL, prepare the statements.
async fn connect(
    config: &tokio_postgres::Config,
    setup: Setup,
) -> Result<(Session, ConnectionTask), String> {
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    let (client, connection) = within(deadline, config.connect(NoTls))
        .await
        .map_err(|e| e.to_string())?;
    // The connection object does the socket I/O; it must be polled for the client to
    // work at all, so it gets its own task, which ends when the connection does.
    let connection: ConnectionTask = tokio::spawn(connection);
    let prepared = async {
        within(deadline, client.batch_execute(setup.schema)).await?;
        let mut prepared = Vec::with_capacity(setup.statements.len());
        for sql in setup.statements {
            prepared.push((*sql, within(deadline, client.prepare(sql)).await?));
        }
        Ok::<_, DbError>(prepared)
    };
    match prepared.await {
        Ok(prepared) => Ok((Session { client, prepared }, connection)),
        Err(err) => {
            connection.abort();
            Err(err.to_string())
        }
    }
}
