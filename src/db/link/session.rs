//! A session: one login's live connection and the statements prepared on it, what a
//! request runs its SQL on. [`Database`](super::database::Database) hands out the
//! current one; the supervisor makes a new one after every reconnect.
//!
//! A session can also be *retired*: a call finds that it stopped answering (its
//! deadline passed with the statement on the wire), or that its host is no longer a
//! primary (SQLSTATE 25006 on a write) or is shutting down (57P01-57P03). The
//! supervisor then drops it and connects again, to whichever host qualifies now. A
//! pool library (psycopg_pool, SQLAlchemy's `pool_pre_ping`) throws a bad connection
//! away the same way; psycopg2's seed opened a new connection per request, so a stuck
//! one cost it one request, and here it must cost no more than one deadline.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::{Instant, timeout_at};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use super::login::HotStandby;
use crate::db::error::{DbError, classify, describe};

/// The whole budget of one database call, waiting included: a request gets its 503
/// within this, whatever the network does.
pub(super) const CALL_DEADLINE: Duration = Duration::from_secs(4);

/// A statement must have been on the wire this long without an answer for its missed
/// deadline to condemn the session. A request that spent most of its budget queueing
/// (behind a batch on a session just replaced) says nothing about the new session, and
/// must not replace it in turn: that would be a reconnect storm.
const SILENT_FOR_AT_LEAST: Duration = Duration::from_secs(1);

/// A live connection and the statements prepared on it. Its fields are private: the
/// reads (`db/reads/`) ask it questions through the methods below.
pub(in crate::db) struct Session {
    client: Client,
    /// The setup's statements, prepared at connect time.
    prepared: Vec<(&'static str, Statement)>,
    /// Any other statement, prepared the first time it is run on this session.
    prepared_later: Mutex<Vec<(&'static str, Statement)>>,
    /// `host:port`, for the log.
    host: String,
    /// The server said at login that this session cannot write: a write refused with
    /// 25006 is then no news, and no reason to replace it.
    read_only: bool,
    /// Whether the host was a hot standby at login, and is now.
    hot_standby: HotStandby,
    /// Why it was retired, in a cause and in words for the log; set once.
    retired: OnceLock<(Retired, String)>,
    retired_signal: Notify,
}

/// Why a session was retired: the label of `userapi_database_replacements_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::db) enum Retired {
    /// A call hit its deadline with the statement unanswered.
    Deadline,
    /// A write was refused because the host no longer takes writes (25006).
    ReadOnly,
    /// The server is shutting down or not yet up (57P01, 57P02, 57P03).
    Shutdown,
    /// A session kept for standby reads found its host promoted to primary (`db/reads/`).
    Promoted,
}

impl Retired {
    pub(super) fn label(self) -> &'static str {
        match self {
            Retired::Deadline => "deadline",
            Retired::ReadOnly => "read_only",
            Retired::Shutdown => "shutdown",
            Retired::Promoted => "promoted",
        }
    }
}

impl Session {
    pub(super) fn new(
        client: Client,
        prepared: Vec<(&'static str, Statement)>,
        host: String,
        read_only: bool,
        hot_standby: HotStandby,
    ) -> Session {
        Session {
            client,
            prepared,
            prepared_later: Mutex::new(Vec::new()),
            host,
            read_only,
            hot_standby,
            retired: OnceLock::new(),
            retired_signal: Notify::new(),
        }
    }

    /// `host:port`, for the log.
    pub(in crate::db) fn host(&self) -> &str {
        &self.host
    }

    /// A hot standby when the session began: what a standby read wants.
    pub(in crate::db) fn was_hot_standby_at_login(&self) -> bool {
        self.hot_standby.at_login()
    }

    /// A standby at login, promoted to primary since (as the server reported).
    pub(in crate::db) fn promoted(&self) -> bool {
        self.hot_standby.promoted()
    }

    /// Open and not retired: worth sending a statement on.
    pub(super) fn is_usable(&self) -> bool {
        !self.client.is_closed() && self.retired.get().is_none()
    }

    /// Waits until a call retires this session; says why. For the supervisor.
    pub(super) async fn retired(&self) -> (Retired, String) {
        loop {
            if let Some(why) = self.retired.get() {
                return why.clone();
            }
            // `notify_one` leaves a permit if nobody waits yet: no wake-up is lost.
            self.retired_signal.notified().await;
        }
    }

    /// Marks the session for replacement. Only the first call counts: a burst of
    /// calls timing out together replaces the session once.
    pub(in crate::db) fn retire(&self, why: Retired, reason: String) {
        if self.retired.set((why, reason)).is_ok() {
            self.retired_signal.notify_one();
        }
    }

    /// Runs `sql` (prepared once per session) and collects its rows, within `deadline`.
    pub(in crate::db) async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        deadline: Instant,
    ) -> Result<Vec<Row>, DbError> {
        let sent = Instant::now();
        let call = async {
            let statement = self.statement(sql).await?;
            self.client.query(&statement, params).await
        };
        match timeout_at(deadline, call).await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(err)) => Err(self.failed(err)),
            Err(_) => Err(self.timed_out(sent.elapsed())),
        }
    }

    /// The statement prepared for `sql`: at connect time for the setup's statements,
    /// else on its first run here (one extra round trip, once per session).
    async fn statement(&self, sql: &'static str) -> Result<Statement, tokio_postgres::Error> {
        let find = |prepared: &[(&str, Statement)]| {
            let found = prepared.iter().find(|(text, _)| *text == sql);
            found.map(|(_, statement)| statement.clone())
        };
        if let Some(statement) = find(&self.prepared) {
            return Ok(statement);
        }
        let later = || {
            self.prepared_later
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        };
        if let Some(statement) = find(&later()) {
            return Ok(statement);
        }
        // Not under the lock: a lock held across `.await` would block the thread.
        let statement = self.client.prepare(sql).await?;
        later().push((sql, statement.clone()));
        Ok(statement)
    }

    /// An error from the server: a host that stopped being a primary or is shutting
    /// down retires the session; anything else is sorted as usual.
    fn failed(&self, err: tokio_postgres::Error) -> DbError {
        let why = match err.code().map(|code| code.code()) {
            // Chosen read-only (a standby, on purpose): writes cannot work here, and
            // another connection would be no different.
            Some("25006") if self.read_only => {
                return DbError::Unavailable(format!(
                    "{}: {} (a read-only session, as target_session_attrs chose)",
                    self.host,
                    describe(&err)
                ));
            }
            Some("25006") => Retired::ReadOnly,
            Some("57P01" | "57P02" | "57P03") => Retired::Shutdown,
            _ => return classify(err),
        };
        let reason = describe(&err);
        let message = format!("{}: {reason}; replacing the connection", self.host);
        self.retire(why, reason);
        DbError::Unavailable(message)
    }

    /// The deadline passed with the statement `silent` on the wire, unanswered.
    fn timed_out(&self, silent: Duration) -> DbError {
        // Tenths of a second, printed without a trailing `.0` (f64's Display).
        let tenths = (silent.as_secs_f64() * 10.0).round() / 10.0;
        if silent < SILENT_FOR_AT_LEAST {
            // The deadline is the caller's (4 s for most calls, less for a standby
            // read): say what is known, the time on the wire, not a budget.
            return DbError::Unavailable(format!(
                "no answer before the call's deadline, after only {tenths} s on the wire \
                 (the rest spent waiting for a connection or a batch)"
            ));
        }
        let reason = format!("did not answer within {tenths} s");
        let message = format!("{} {reason}; replacing the connection", self.host);
        self.retire(Retired::Deadline, reason);
        DbError::Unavailable(message)
    }
}
