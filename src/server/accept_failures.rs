//! When `accept` fails: which errors belong to one would-be connection (skip them) and
//! which to the listener (pause, and say so once per episode, not ten times a second).
//! uvicorn leaves this to asyncio, which logs every failed accept; hyper-util's and
//! tokio's own accept loops skip the per-connection ones as we do.

use std::io;
use std::time::{Duration, Instant};

use crate::logging::log;

/// After `accept` fails for lack of resources (no file descriptors left), pause before
/// the next try instead of spinning: a descriptor frees up only when a connection ends.
pub(super) const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Failed accepts, logged once per episode rather than once per failure: out of file
/// descriptors, `accept` fails ten times a second, and when a connection ends one
/// accept succeeds before the next fails. An episode ends once accepts have gone on
/// for [`EPISODE_QUIET`] without a failure.
#[derive(Default)]
pub(super) struct AcceptFailures {
    in_episode: u64,
    last: Option<Instant>,
}

/// How long accepts must succeed before a failure counts as a new episode.
const EPISODE_QUIET: Duration = Duration::from_secs(10);

impl AcceptFailures {
    pub(super) fn failed(&mut self, err: &io::Error) {
        if self.in_episode == 0 {
            log!("server: accept failed: {err}; retrying every {ACCEPT_BACKOFF:?}");
        }
        self.in_episode += 1;
        self.last = Some(Instant::now());
    }

    pub(super) fn accepted(&mut self) {
        if self.in_episode > 0
            && self
                .last
                .is_some_and(|last| last.elapsed() >= EPISODE_QUIET)
        {
            let failed = self.in_episode;
            log!("server: accepting normally again; {failed} accepts had failed");
            self.in_episode = 0;
        }
    }
}

/// Errors of one would-be connection, not of the listener: hyper-util's and tokio's
/// accept loops skip these without pausing.
pub(super) fn is_per_connection(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}
