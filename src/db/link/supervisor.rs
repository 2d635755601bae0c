//! The supervisor task: keeps one link's session alive for
//! [`Database`](super::database::Database).
//!
//! It makes a session (`session_maker.rs`), publishes it for requests to use, then
//! waits for one of these: the connection ends, a call retires the session (it stopped
//! answering, or its host stopped being a primary; `session.rs`), or a session the link
//! prefers turns up (`preference.rs`; `standby_wait.rs` for a host whose commits a
//! standby no longer confirms). Either way it clears the session and starts over: at
//! once after a retirement, with capped backoff after a failed attempt or a session
//! lost soon after it began (a server that lets us log in and then drops us must not
//! be dialled in a tight loop). A pool library does this for many connections; one
//! connection needs only this loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep};

use super::connect_failure::why_connection_ended;
use super::failure::Retired;
use super::login::{ConnectionTask, let_go};
use super::preference::{Preference, look_for};
use super::session::Session;
use super::session_maker::SessionMaker;
use super::standby_wait::settle;
use crate::logging::log;

/// Reconnect backoff: doubles from the first value up to the second. The cap bounds how
/// long PostgreSQL can be back before we notice.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_millis(500));

/// A session lost sooner than this after it began does not reset the backoff.
const SHORT_LIFE: Duration = Duration::from_secs(2);

/// How a session's time ended.
enum Ended {
    /// The connection's task ended: the server closed it, or it broke.
    Lost(Result<Result<(), tokio_postgres::Error>, tokio::task::JoinError>),
    /// A call retired it.
    Retired((Retired, String)),
    /// A session of the preferred kind was made; it takes over. (`Box`: on the heap,
    /// so the enum is not as large as a session for the other cases.)
    Preferred(Box<(Session, ConnectionTask)>),
}

/// Makes a session, publishes it, waits for it to end, and starts over, until every
/// `Database` handle is gone (`publish.closed()`).
pub(super) async fn supervise(
    maker: SessionMaker,
    preference: Option<Preference>,
    publish: watch::Sender<Option<Arc<Session>>>,
) {
    let health = maker.role().health();
    let mut retry = Retry::default();
    let mut made = None;
    loop {
        let next = match made.take() {
            Some(made) => Some(made),
            None => retry.until_made(&maker, &publish).await,
        };
        let Some((session, mut task)) = next else {
            return;
        };
        let session = Arc::new(session);
        let began = Instant::now();
        publish.send_replace(Some(Arc::clone(&session)));
        health.connected();
        let ended = tokio::select! {
            ended = &mut task => Ended::Lost(ended),
            why = session.retired() => Ended::Retired(why),
            found = look_for(preference.as_ref(), &session, &maker) => Ended::Preferred(Box::new(found)),
            found = settle(&session, &maker) => Ended::Preferred(Box::new(found)),
            _ = publish.closed() => return,
        };
        publish.send_replace(None);
        health.disconnected();
        let lost_soon = matches!(ended, Ended::Lost(_)) && began.elapsed() < SHORT_LIFE;
        made = wind_up(&maker, session, task, ended);
        if lost_soon {
            // A server that lets us log in and then drops us: as a failed attempt.
            retry.back_off().await;
        } else {
            retry.backoff = Duration::ZERO;
        }
    }
}

/// Attempts with capped backoff, and what the last one said.
#[derive(Default)]
struct Retry {
    backoff: Duration,
    last_failure: String,
}

impl Retry {
    /// Waits the next step of the backoff: after a failed attempt, or a session lost
    /// moments after it was made.
    async fn back_off(&mut self) {
        self.backoff = (self.backoff * 2).clamp(BACKOFF.0, BACKOFF.1);
        sleep(self.backoff).await;
    }

    /// A session, after as many attempts as it takes; `None` once nobody wants one.
    async fn until_made(
        &mut self,
        maker: &SessionMaker,
        publish: &watch::Sender<Option<Arc<Session>>>,
    ) -> Option<(Session, ConnectionTask)> {
        let name = maker.role().log_name();
        loop {
            let outcome = tokio::select! {
                outcome = maker.make() => outcome,
                _ = publish.closed() => return None,
            };
            let reason = match outcome {
                Ok(made) => {
                    // The backoff is reset by a session that lasts (`supervise`).
                    self.last_failure.clear();
                    return Some(made);
                }
                Err(reason) => reason,
            };
            maker.role().health().connect_failed();
            // One line per distinct failure, not one every backoff step. The reason
            // names the cause in plain words (connect_failure.rs), host by host.
            if reason != self.last_failure {
                log!(
                    "{name}: cannot connect to {}: {reason}; retrying",
                    maker.target()
                );
                self.last_failure = reason;
            }
            self.back_off().await;
        }
    }
}

/// Logs how the session ended and closes what is left of it; the preferred session
/// that replaces it, if that is how it ended.
fn wind_up(
    maker: &SessionMaker,
    session: Arc<Session>,
    task: ConnectionTask,
    ended: Ended,
) -> Option<(Session, ConnectionTask)> {
    let name = maker.role().log_name();
    let host = session.host();
    match ended {
        Ended::Lost(ended) => {
            let reason = match ended {
                Ok(Ok(())) => "closed by the server".to_string(),
                Ok(Err(err)) => why_connection_ended(&err),
                Err(join_error) => join_error.to_string(),
            };
            log!("{name}: connection lost to {host} ({reason}); reconnecting");
            None
        }
        Ended::Retired((why, reason)) => {
            // Closing the socket answers every statement still on it with an error (a
            // 503 upstream): a write's outcome is unknown, never re-sent.
            task.abort();
            maker.role().health().replaced(why.label());
            match why {
                // The server ends such a session itself: it is lost, as above.
                Retired::Shutdown => {
                    log!("{name}: connection lost to {host} ({reason}); reconnecting")
                }
                _ => log!("{name}: replacing the connection to {host} ({reason}); reconnecting"),
            }
            None
        }
        Ended::Preferred(found) => {
            // Writes waiting at its gate go to the next session; statements already on
            // it get a second to finish (a read that does not runs again elsewhere).
            session.retire(Retired::Moved, "the link moved".into());
            drop(session);
            let_go(task);
            Some(*found)
        }
    }
}
