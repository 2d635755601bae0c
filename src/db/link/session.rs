//! A session: one login's live connection and the statements prepared on it, what a
//! request runs its SQL on. [`Database`](super::database::Database) hands out the
//! current one; the supervisor makes a new one after every reconnect.
//!
//! A session can also be *retired*: it stopped answering (`progress.rs`: nothing
//! answered for longer than any statement of this service takes, or not even a cancel
//! answered), its host is no longer a primary (SQLSTATE 25006 on a write) or is
//! shutting down (57P01-57P03), or its prepared statements no longer fit the table (a
//! migration changed a column's type: 0A000 "cached plan must not change result
//! type", or 26000). The supervisor then drops it and connects again, to whichever host
//! qualifies now. A pool library (psycopg_pool, SQLAlchemy's `pool_pre_ping`) throws a
//! bad connection away the same way; psycopg2's seed opened a new connection per
//! request, so a stuck one cost it one request, and here it must cost no more than one
//! deadline. What happens at a deadline is in `deadline.rs`.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use super::deadline::{self, Call, Overdue};
use super::failure::{self, Failure, Retired};
use super::login::{CancelKey, HotStandby, Warnings};
use super::progress::Progress;
use super::role::Role;
use super::statements::Statements;
use super::write_gate::{Gate, WriteGate};
use crate::db::error::DbError;
use crate::logging::log;

/// A live connection and the statements prepared on it. Its fields are private: the
/// reads (`db/reads/`) ask it questions through the methods below.
pub(in crate::db) struct Session {
    client: Client,
    statements: Statements,
    /// `host:port`, for the log.
    host: String,
    role: Role,
    /// The server said at login that this session cannot write.
    read_only: bool,
    /// Whether the host was a hot standby at login, and is now.
    hot_standby: HotStandby,
    warnings: Warnings,
    progress: Progress,
    gate: WriteGate,
    cancel_key: CancelKey,
    /// Why it was retired, in a cause and in words for the log; set once. A `watch`,
    /// so that the supervisor and writes waiting at the gate all see it.
    retired: watch::Sender<Option<(Retired, String)>>,
}

/// What [`Session::new`] is made of: the login's parts the session keeps.
pub(super) struct SessionParts {
    pub(super) client: Client,
    pub(super) prepared: Vec<(&'static str, Statement)>,
    pub(super) host: String,
    pub(super) role: Role,
    pub(super) read_only: bool,
    pub(super) hot_standby: HotStandby,
    pub(super) warnings: Warnings,
    pub(super) cancel_key: CancelKey,
}

impl Session {
    pub(super) fn new(parts: SessionParts) -> Session {
        Session {
            client: parts.client,
            statements: Statements::new(parts.prepared),
            host: parts.host,
            role: parts.role,
            read_only: parts.read_only,
            hot_standby: parts.hot_standby,
            warnings: parts.warnings,
            progress: Progress::default(),
            gate: WriteGate::default(),
            cancel_key: parts.cancel_key,
            retired: watch::Sender::new(None),
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

    /// Whether writes may go out now (see `write_gate.rs`).
    pub(super) fn gate(&self) -> &WriteGate {
        &self.gate
    }

    /// Open and not retired: worth sending a statement on.
    pub(super) fn is_usable(&self) -> bool {
        !self.client.is_closed() && self.retired.borrow().is_none()
    }

    /// Waits until this session is retired; says why.
    pub(super) async fn retired(&self) -> (Retired, String) {
        let mut retired = self.retired.subscribe();
        // The guard `wait_for` returns is dropped at once: it must not be held across
        // an `.await` (it would make the future unfit for another thread).
        let why = retired
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|why| why.clone());
        match why {
            Some(why) => why,
            // The sender is this session's own field: it cannot be gone while we wait.
            None => std::future::pending().await,
        }
    }

    /// Marks the session for replacement. Only the first call counts: a burst of
    /// calls timing out together replaces the session once.
    pub(in crate::db) fn retire(&self, why: Retired, reason: String) {
        self.retired.send_if_modified(|retired| match retired {
            None => {
                *retired = Some((why, reason));
                true
            }
            Some(_) => false,
        });
    }

    /// Runs `sql` (prepared once per session) and collects its rows, within
    /// `deadline`. A write first waits for the gate (`write_gate.rs`), within the same
    /// deadline, and reports a commit PostgreSQL only warned about as unconfirmed.
    pub(in crate::db) async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        deadline: Instant,
        call: Call,
    ) -> Result<Vec<Row>, DbError> {
        if call == Call::Write && !self.gate.is_open() {
            // Boxed, as the rare path below is, to keep every call's future small.
            Box::pin(self.gate.admit(&self.host, deadline, self.retired())).await?;
        }
        let warned = self.warnings.count();
        let outstanding = self.progress.sent();
        let answer = async {
            let statement = self.statements.get(&self.client, sql).await?;
            self.client.query(&statement, params).await
        };
        // `pin!`: the future stays where it is, so it can be polled again after the
        // deadline (`deadline.rs`).
        let mut answer = std::pin::pin!(answer);
        let mut wait_until = deadline;
        let answer = loop {
            if let Ok(answer) = timeout_at(wait_until, &mut answer).await {
                break answer;
            }
            // Boxed: this rare path (it holds a whole cancel request) would otherwise
            // make every call's future, which tokio moves around, that much bigger.
            let key = &self.cancel_key;
            let overdue = deadline::overdue(self.role, &self.progress, key, answer.as_mut());
            match Box::pin(overdue).await {
                Overdue::Answered(answer) => break answer,
                Overdue::WaitUntil(then) => wait_until = then,
                Overdue::BudgetSpent => return Err(self.budget_spent()),
                Overdue::Stuck(silence) => return Err(self.stuck(silence, call)),
            }
        };
        outstanding.answered();
        match answer {
            Ok(_) if call == Call::Write && self.warnings.count() != warned => {
                Err(self.unconfirmed())
            }
            Ok(rows) => Ok(rows),
            Err(err) => Err(self.failed(err)),
        }
    }

    /// A standby read's budget is spent; the standby answers, slowly, and is kept.
    fn budget_spent(&self) -> DbError {
        DbError::Unavailable(format!(
            "no answer within the read's budget; {} answers, slowly",
            self.host
        ))
    }

    /// The session answered nothing for `silence`, not even a cancel: it is replaced.
    fn stuck(&self, silence: Duration, call: Call) -> DbError {
        // Tenths of a second, printed without a trailing `.0` (f64's Display).
        let tenths = (silence.as_secs_f64() * 10.0).round() / 10.0;
        let reason = format!("answered nothing for {tenths} s");
        let message = format!("{} {reason}; replacing the connection", self.host);
        self.retire(Retired::Deadline, reason);
        match call {
            Call::Read => DbError::Unavailable(message),
            Call::Write => DbError::OutcomeUnknown(message),
        }
    }

    /// A write that succeeded while PostgreSQL warned: its commit is local only (see
    /// `login.rs`, `Warnings`). Writes wait until a standby confirms commits again.
    fn unconfirmed(&self) -> DbError {
        let warning = self.warnings.last();
        self.role.health().unconfirmed_commit();
        if self.gate.close(Gate::WaitingForStandby(warning.clone())) {
            log!(
                "{}: a commit on {} was not confirmed by synchronous replication ({warning}); \
                 writes wait until a standby confirms again",
                self.role.log_name(),
                self.host
            );
        }
        DbError::OutcomeUnknown(format!(
            "{}: committed locally, unconfirmed by a synchronous standby: {warning}",
            self.host
        ))
    }

    /// An error from the server: some retire the session, a refusal of writes closes
    /// the gate (`failure.rs` sorts them).
    fn failed(&self, err: tokio_postgres::Error) -> DbError {
        match failure::sort(err, self.read_only) {
            Failure::Plain(err) => err,
            Failure::RefusesWrites(why) => {
                if self.gate.close(Gate::Refused(why.clone())) {
                    log!(
                        "{}: {} refuses writes ({why})",
                        self.role.log_name(),
                        self.host
                    );
                }
                DbError::Unavailable(format!("{}: {why}", self.host))
            }
            Failure::Retire(why, reason, outcome) => {
                let message = format!("{}: {reason}; replacing the connection", self.host);
                self.retire(why, reason);
                outcome(message)
            }
        }
    }
}
