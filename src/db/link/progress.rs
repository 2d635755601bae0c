//! Whether a session is answering: how long since it last answered a statement,
//! counted only while it has statements to answer. A session busy with a slow
//! statement answers nothing for a while, and so does one that is stuck; what tells
//! them apart is how long, and that must not include the time a request spent queued
//! elsewhere (for its batch, or for a connection) before its statement was sent.
//!
//! A pool library never needs this: each connection runs one statement, and a slow one
//! holds only its own. On one pipelined connection, everything queues behind the
//! statement in front, so the session must tell "slow" from "stuck" itself.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(super) struct Progress(Mutex<State>);

#[derive(Debug)]
struct State {
    /// Statements sent and not yet answered (or given up on).
    outstanding: usize,
    /// The last answer, or when the session last became busy after being idle.
    since: Instant,
    /// The `since` of the silence a cancel was sent in, if one was.
    cancelled: Option<Instant>,
}

impl Default for Progress {
    fn default() -> Progress {
        Progress(Mutex::new(State {
            outstanding: 0,
            since: Instant::now(),
            cancelled: None,
        }))
    }
}

impl Progress {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A statement goes out; the returned guard says when it is answered, and when
    /// dropped unanswered (its caller gave up) it no longer counts as outstanding.
    pub(super) fn sent(&self) -> Outstanding<'_> {
        let mut state = self.state();
        if state.outstanding == 0 {
            state.since = Instant::now();
        }
        state.outstanding += 1;
        Outstanding(self)
    }

    /// Whether no cancel was sent yet in the present silence (and now one is): one
    /// cancel per silence, however many calls find it.
    pub(super) fn first_cancel(&self) -> bool {
        let mut state = self.state();
        let since = state.since;
        state.cancelled.replace(since) != Some(since)
    }

    /// How long the session has had statements to answer and answered none.
    pub(super) fn silence(&self) -> Duration {
        let state = self.state();
        match state.outstanding {
            0 => Duration::ZERO,
            _ => state.since.elapsed(),
        }
    }
}

/// One statement on the wire; see [`Progress::sent`]. `impl Drop` is Rust's
/// `__exit__`: it runs however the owner goes away, a `?` or a timeout included.
pub(super) struct Outstanding<'a>(&'a Progress);

impl Outstanding<'_> {
    /// The server answered it (rows or an error): the session is making progress.
    pub(super) fn answered(self) {
        let mut state = self.0.state();
        state.since = Instant::now();
        state.outstanding = state.outstanding.saturating_sub(1);
        drop(state);
        // Counted off above, under the same lock: `Drop` must not count it again.
        std::mem::forget(self);
    }
}

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.outstanding = state.outstanding.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn silence_counts_only_busy_time_without_an_answer() {
        let progress = Progress::default();
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(progress.silence(), Duration::ZERO, "idle is not silence");
        let slow = progress.sent();
        tokio::time::advance(Duration::from_secs(2)).await;
        let queued = progress.sent();
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            progress.silence(),
            Duration::from_secs(3),
            "since the first went out"
        );
        slow.answered();
        assert_eq!(progress.silence(), Duration::ZERO, "an answer is progress");
        tokio::time::advance(Duration::from_secs(1)).await;
        drop(queued);
        assert_eq!(progress.silence(), Duration::ZERO, "nothing outstanding");
    }
}
