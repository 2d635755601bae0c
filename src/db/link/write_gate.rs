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
}
