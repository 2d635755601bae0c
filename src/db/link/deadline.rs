//! What happens when a statement's deadline passes unanswered.
//!
//! On one pipelined connection a statement may wait behind others, so its own time on
//! the wire says little; what tells a slow session from a stuck one is whether it
//! answers *anything* (`progress.rs`). Past its deadline a call therefore keeps waiting
//! while the session makes progress (a 2.5 s trigger on every INSERT slows writes
//! down; it must not make them fail), and acts only once the session has answered
//! nothing for its stall limit:
//!
//! - it cancels the statement the backend is running, once per silence, as `psql`'s
//!   Ctrl-C or libpq's `PQcancel` does (a CancelRequest on a connection of its own: no
//!   privilege needed), and gives it a moment to answer. A statement waiting on a lock
//!   ends with SQLSTATE 57014 and nothing committed; a COMMIT waiting for a synchronous
//!   standby ends committed locally, with a WARNING (`login.rs`, `Warnings`); either
//!   way the session answers again and is kept.
//! - a session that answers not even that is stuck, and is replaced.
//!
//! A standby's reads have a budget instead of a deadline (the primary answers them
//! when it is spent), so they never wait longer, and a standby silent for its stall
//! limit is replaced at once: nothing on it is worth a cancel.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, timeout};

use super::login::CancelKey;
use super::progress::Progress;
use super::role::Role;
use super::tls;

/// The whole budget of one database call's waiting (for a connection, for its batch):
/// a request gets its 503 within this whatever the network does, unless its statement
/// is on a session that is still answering (see above).
pub(super) const CALL_DEADLINE: Duration = Duration::from_secs(4);

/// How long a cancelled statement may take to answer. A cancel is a new TCP connection
/// and a signal to the backend: milliseconds on a LAN.
const CANCEL_GRACE: Duration = Duration::from_millis(500);

/// How long a session of `role` may go without answering anything, while it has
/// statements to answer, before it counts as stuck. The primary's: the call deadline,
/// longer than any statement of this service takes. The standby's: 1 s, as its reads
/// have 1.5 s before the primary answers them instead.
pub(super) fn stall_limit(role: Role) -> Duration {
    match role {
        Role::Primary => CALL_DEADLINE,
        Role::StandbyReads => Duration::from_secs(1),
    }
}

/// Whether a call reads or writes: a write waits for the write gate, and reports a
/// commit PostgreSQL only warned about as unconfirmed (`session.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::db) enum Call {
    Read,
    Write,
}

/// A call past its deadline, after [`overdue`] looked at it.
pub(super) enum Overdue<T> {
    /// The statement answered after all (after a cancel, maybe).
    Answered(T),
    /// The session is still answering: wait for the statement until then.
    WaitUntil(Instant),
    /// A standby's read spent its budget on a session that answers, slowly.
    BudgetSpent,
    /// The session answered nothing for this long, a cancel included: it is stuck.
    Stuck(Duration),
}

/// What to do about a call whose deadline has passed with `answer` still pending.
/// `Pin<&mut F>`: the statement's future, borrowed in place so that it can be polled
/// again here.
pub(super) async fn overdue<F: Future>(
    role: Role,
    progress: &Progress,
    cancel_key: &CancelKey,
    mut answer: Pin<&mut F>,
) -> Overdue<F::Output> {
    let limit = stall_limit(role);
    let silence = progress.silence();
    match role {
        Role::StandbyReads if silence < limit => return Overdue::BudgetSpent,
        Role::StandbyReads => return Overdue::Stuck(silence),
        Role::Primary if silence < limit => {
            return Overdue::WaitUntil(Instant::now() + (limit - silence));
        }
        Role::Primary => {}
    }
    // The cancel request and the statement's answer, side by side: the answer may come
    // before the request has even gone out. A cancel that cannot be delivered (the
    // host is unreachable) leaves the session silent, which the grace then says.
    let cancel = async {
        if progress.first_cancel() {
            let _ = tls::cancel(cancel_key).await;
        }
    };
    let mut cancel = std::pin::pin!(cancel);
    let mut cancel_sent = false;
    let answered = async {
        loop {
            tokio::select! {
                answer = &mut answer => return answer,
                _ = &mut cancel, if !cancel_sent => cancel_sent = true,
            }
        }
    };
    match timeout(CANCEL_GRACE, answered).await {
        Ok(answer) => Overdue::Answered(answer),
        // Another statement was answered meanwhile: the session lives.
        Err(_) if progress.silence() < limit => Overdue::WaitUntil(Instant::now() + limit),
        Err(_) => Overdue::Stuck(progress.silence()),
    }
}
