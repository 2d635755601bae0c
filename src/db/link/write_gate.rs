//! Whether a session may send writes now. Two things close the gate, each opened again
//! by the supervisor's side of the link, never by a request:
//!
//! - **Commits wait for a synchronous standby** that does not confirm them (strict
//!   synchronous replication with the standbys gone, or a primary left behind after a
//!   failover). On one pipelined connection a COMMIT that waits holds every statement
//!   behind it, reads included, so no more writes are sent: they wait here, off the
//!   connection, until a standby confirms a probe or the link moves to a host whose
//!   commits go through (`standby_wait.rs`), and are answered 503 at their deadline
//!   if neither happens.
//! - **The session refuses writes**: the database was read-only when it logged in
//!   (`default_transaction_read_only`, a name that still points at a demoted primary)
//!   and a write was refused. A new login may find it writable (the setting applies to
//!   new sessions), so the link looks for one, with backoff (`preference.rs`).

use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};

use crate::db::error::DbError;

/// The gate's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Gate {
    Open,
    /// Commits wait for a synchronous standby; the warning PostgreSQL gave, for the log.
    WaitingForStandby(String),
    /// The session is read-only; PostgreSQL's refusal, for the log.
    Refused(String),
}

/// A `watch` channel, so that writers waiting for the gate and the supervisor waiting
/// for it to close all see each change.
#[derive(Debug)]
pub(super) struct WriteGate(watch::Sender<Gate>);

impl Default for WriteGate {
    fn default() -> WriteGate {
        WriteGate(watch::Sender::new(Gate::Open))
    }
}

impl WriteGate {
    /// Closes the gate; `false` if it was already closed (the first reason stays).
    pub(super) fn close(&self, why: Gate) -> bool {
        self.0.send_if_modified(|gate| match gate {
            Gate::Open => {
                *gate = why;
                true
            }
            _ => false,
        })
    }

    pub(super) fn open(&self) {
        self.0.send_replace(Gate::Open);
    }

    pub(super) fn is_open(&self) -> bool {
        *self.0.borrow() == Gate::Open
    }

    pub(super) fn state(&self) -> Gate {
        self.0.borrow().clone()
    }

    /// Waits until the gate is open, or `deadline`; then, if it is still closed, why.
    pub(super) async fn until_open(&self, deadline: Instant) -> Result<(), Gate> {
        let mut gate = self.0.subscribe();
        match timeout_at(deadline, gate.wait_for(|gate| *gate == Gate::Open)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(self.state()),
        }
    }

    /// A receiver that sees each change from now on.
    pub(super) fn watch(&self) -> watch::Receiver<Gate> {
        self.0.subscribe()
    }

    /// Lets a write through the gate of the session on `host`: at once when it is open,
    /// never when the session refuses writes, and, while commits wait for a standby,
    /// once it opens, unless `deadline` comes first or the session is `replaced` (the
    /// write then goes to the next session).
    pub(super) async fn admit(
        &self,
        host: &str,
        deadline: Instant,
        replaced: impl Future,
    ) -> Result<(), DbError> {
        let refused = |why: String| {
            let reason = format!("{host} is read-only ({why}); looking for a writable session");
            DbError::Unavailable(reason)
        };
        match self.state() {
            Gate::Open => return Ok(()),
            Gate::Refused(why) => return Err(refused(why)),
            Gate::WaitingForStandby(_) => {}
        }
        let waited = tokio::select! {
            waited = self.until_open(deadline) => waited,
            _ = replaced => return Err(DbError::Unavailable(format!("{host} was replaced"))),
        };
        match waited {
            Ok(()) => Ok(()),
            Err(Gate::Refused(why)) => Err(refused(why)),
            Err(_) => Err(DbError::WaitingForStandby(format!(
                "commits on {host} wait for a synchronous standby"
            ))),
        }
    }
}
