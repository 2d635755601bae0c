//! What happens when a statement's deadline passes unanswered.
//!
//! A read has nothing to lose: its request gets its 503 and the session is judged by
//! how long it has gone without answering anything (`progress.rs`). A write is
//! different: its statement may be running, waiting for a lock, or committed and
//! waiting for a synchronous standby to confirm it, and each leaves the row in another
//! state. So the write's statement is cancelled, as `psql`'s Ctrl-C or libpq's
//! `PQcancel` does (a CancelRequest on a connection of its own: no privilege needed),
//! and given a moment to say how it ended: cancelled while it ran (SQLSTATE 57014:
//! nothing committed), committed after all, or committed locally with a WARNING that
//! the wait for a standby was cancelled (`login.rs`, `Warnings`). A session that does
//! not answer even that is stuck, and is replaced.
//!
//! The cancel goes to the statement the backend is running, which on a pipelined
//! connection is the oldest unanswered one: the write itself, or what holds it up.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::timeout;

use super::login::CancelKey;
use super::role::Role;
use super::tls;

/// The whole budget of one database call, waiting included: a request gets its 503
/// within this, whatever the network does (plus [`CANCEL_GRACE`] for a write).
pub(super) const CALL_DEADLINE: Duration = Duration::from_secs(4);

/// How long a cancelled statement may take to answer. A cancel is a new TCP connection
/// and a signal to the backend: milliseconds on a LAN.
const CANCEL_GRACE: Duration = Duration::from_millis(500);

/// How long a session of `role` may go without answering anything, while it has
/// statements to answer, before it counts as stuck (`progress.rs`). The primary's: the
/// call deadline, longer than any statement of this service takes, so a slow statement
/// (a trigger, a lock held a while) never costs a reconnect; a statement slower than
/// that is treated as stuck. The standby's: 1 s, as its reads have 1.5 s before the
/// primary answers them instead.
pub(super) fn stall_limit(role: Role) -> Duration {
    match role {
        Role::Primary => CALL_DEADLINE,
        Role::StandbyReads => Duration::from_secs(1),
    }
}

/// Whether a call reads or writes: what its deadline does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::db) enum Call {
    Read,
    Write,
}

/// A call whose statement did not answer: a read past its deadline, or a write that did
/// not answer its cancel either.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Unanswered {
    Read,
    Write,
}

/// The statement's late answer, or why there is none. `Pin<&mut F>`: the statement's
/// future, borrowed in place so that it can be polled again here.
pub(super) async fn unanswered<F: Future>(
    call: Call,
    mut answer: Pin<&mut F>,
    cancel_key: &CancelKey,
) -> Result<F::Output, Unanswered> {
    if call == Call::Read {
        return Err(Unanswered::Read);
    }
    // The cancel request and the statement's answer, side by side: the answer may come
    // before the request has even gone out. A cancel that cannot be delivered (the
    // host is unreachable) leaves the statement unanswered, which the grace then says.
    let cancel = tls::cancel(cancel_key);
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
    timeout(CANCEL_GRACE, answered)
        .await
        .map_err(|_| Unanswered::Write)
}
