//! One login to PostgreSQL, as one value from the socket to the session: the client,
//! the task that drives its socket, and what the server said about itself, kept current
//! where it can change under the session (a standby promoted to primary).
//!
//! A [`Login`] is made in `tls.rs` (the socket, maybe encrypted), judged in
//! `host_selection.rs` (is this the kind of server `target_session_attrs` wants?) and
//! becomes a [`Session`](super::session::Session) in `session_maker.rs`. psycopg2 has
//! the same facts from libpq: `conn.info.parameter_status("in_hot_standby")`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::timeout;
use tokio_postgres::error::Severity;
use tokio_postgres::{AsyncMessage, CancelToken, Client, Connection};

use crate::db::settings::TlsSettings;

/// The task that drives a connection's socket; it ends when the connection does.
pub(super) type ConnectionTask = tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>;

/// How long a connection we let go may take to say goodbye (Terminate) before its task
/// is cut off.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// A connection made, and what its server is.
pub(super) struct Login {
    pub(super) client: Client,
    pub(super) task: ConnectionTask,
    /// What the server reported at login (PostgreSQL 14 and later), or `None`: then
    /// `host_selection.rs` asks, as libpq does, and [`settle`](Login::settle)s it.
    pub(super) state: Option<ServerState>,
    pub(super) hot_standby: HotStandby,
    /// The warnings the server sent, counted by the task that reads them.
    pub(super) warnings: Warnings,
    /// The server's major version (15 for "15.4 (Debian...)"), as reported at login;
    /// 0 if it did not say.
    pub(super) server_major: u32,
    pub(super) cancel_key: CancelKey,
}

/// What it takes to cancel this connection's running statement: the backend's key, and
/// the TLS settings when the connection is encrypted (the cancel request is sent the
/// same way; `tls.rs` sends it).
#[derive(Clone)]
pub(super) struct CancelKey {
    pub(super) token: CancelToken,
    // Read only by the build with TLS: without it every connection is plain text.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(super) tls: Option<TlsSettings>,
}

/// What the server says about itself: whether it is a hot standby, and whether this
/// session can write (neither a standby nor `default_transaction_read_only`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct ServerState {
    pub(super) hot_standby: bool,
    pub(super) read_only: bool,
}

impl Login {
    /// Records what the server is, where it did not report it at login.
    pub(super) fn settle(&mut self, state: ServerState) {
        self.hot_standby.set_at_login(state.hot_standby);
        self.state = Some(state);
    }

    /// Ends a connection we do not keep; see [`let_go`].
    pub(super) fn close(self) {
        drop(self.client);
        let_go(self.task);
    }
}

/// Lets a connection's task end by itself once its client is gone (dropping the last
/// client sends Terminate, so the server logs no broken connection); a host that does
/// not answer gets [`CLOSE_GRACE`], then the task is cut off.
pub(super) fn let_go(mut task: ConnectionTask) {
    tokio::spawn(async move {
        if timeout(CLOSE_GRACE, &mut task).await.is_err() {
            task.abort();
        }
    });
}

/// Whether the server was a hot standby at login, and whether it still is, as it last
/// said. PostgreSQL reports `in_hot_standby` again, as `off`, before the next
/// ReadyForQuery after a standby is promoted; the task driving the connection watches
/// for it ([`Login::drive`]). A read routed to a standby then learns that its host has
/// become a primary without asking. Shared between that task and the session: `Arc`,
/// a reference count safe across threads, is what every Python object has built in.
#[derive(Clone, Debug, Default)]
pub(super) struct HotStandby(Arc<Flags>);

#[derive(Debug, Default)]
struct Flags {
    at_login: AtomicBool,
    now: AtomicBool,
}

impl HotStandby {
    fn set_at_login(&self, hot_standby: bool) {
        self.0.at_login.store(hot_standby, Ordering::Relaxed);
        self.0.now.store(hot_standby, Ordering::Relaxed);
    }

    /// A hot standby when the session began.
    pub(super) fn at_login(&self) -> bool {
        self.0.at_login.load(Ordering::Relaxed)
    }

    /// A standby at login, a primary now.
    pub(super) fn promoted(&self) -> bool {
        self.at_login() && !self.0.now.load(Ordering::Relaxed)
    }
}

/// The WARNINGs a connection received, and the last one's words. One case matters: a
/// COMMIT whose wait for a synchronous standby is cancelled (by an operator, or by us
/// at the statement's deadline) does not fail; PostgreSQL commits locally and only warns
/// ("canceling wait for synchronous replication ... The transaction has already
/// committed locally, but might not have been replicated to the standby."). A write
/// that sees the count move while it runs must not report success. Any warning counts,
/// not only that message: PostgreSQL translates it (`lc_messages`), and no statement of
/// this service warns otherwise, so a stray warning costs a 503, never a false 201.
#[derive(Clone, Debug, Default)]
pub(super) struct Warnings(Arc<WarningLog>);

#[derive(Debug, Default)]
struct WarningLog {
    count: AtomicU64,
    last: Mutex<String>,
}

impl Warnings {
    pub(super) fn count(&self) -> u64 {
        self.0.count.load(Ordering::Acquire)
    }

    /// The last warning, as PostgreSQL worded it, for the log.
    pub(super) fn last(&self) -> String {
        self.0
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn record(&self, notice: &tokio_postgres::error::DbError) {
        if notice.parsed_severity() != Some(Severity::Warning) {
            return;
        }
        let detail = notice.detail().map_or(String::new(), |d| format!(" {d}"));
        *self.0.last.lock().unwrap_or_else(|e| e.into_inner()) =
            format!("{}{detail}", notice.message());
        // Counted after the words are stored, and read with Acquire: whoever sees the
        // count move sees the words too. The notice is read before the statement's own
        // ReadyForQuery, so a write sees the count move before it sees its answer.
        self.0.count.fetch_add(1, Ordering::Release);
    }
}

impl Login {
    /// The connection's socket I/O in a task of its own (the client does nothing until
    /// it is polled), and the login's report. What `tokio::spawn(connection)` does,
    /// plus one look at `in_hot_standby` whenever the task wakes: tokio-postgres
    /// records a ParameterStatus that arrives mid-session but says nothing of it.
    pub(super) fn drive<S, T>(
        client: Client,
        mut connection: Connection<S, T>,
        tls: Option<&TlsSettings>,
    ) -> Login
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let flag = |connection: &Connection<S, T>, name| {
            connection.parameter(name).map(|value| value == "on")
        };
        let state = match (
            flag(&connection, "in_hot_standby"),
            flag(&connection, "default_transaction_read_only"),
        ) {
            (Some(hot_standby), Some(read_only)) => Some(ServerState {
                hot_standby,
                read_only: hot_standby || read_only,
            }),
            _ => None,
        };
        let hot_standby = HotStandby::default();
        hot_standby.set_at_login(state.is_some_and(|state| state.hot_standby));
        let version = connection.parameter("server_version").unwrap_or_default();
        let digits = version.split(|c: char| !c.is_ascii_digit()).next();
        let server_major = digits.and_then(|major| major.parse().ok()).unwrap_or(0);
        let now = hot_standby.clone();
        let warnings = Warnings::default();
        let heard = warnings.clone();
        // `poll_fn` makes a future out of a closure that tokio calls each time the
        // socket is ready: Python's asyncio would hide this loop inside a protocol class.
        let task = tokio::spawn(std::future::poll_fn(move |cx| {
            let polled = loop {
                match connection.poll_message(cx) {
                    Poll::Ready(Some(Ok(AsyncMessage::Notice(notice)))) => heard.record(&notice),
                    // LISTEN notifications: this service uses none.
                    Poll::Ready(Some(Ok(_))) => continue,
                    Poll::Ready(Some(Err(err))) => break Poll::Ready(Err(err)),
                    Poll::Ready(None) => break Poll::Ready(Ok(())),
                    Poll::Pending => break Poll::Pending,
                }
            };
            // Only a standby can be promoted: a primary's task skips the look-up.
            let standby_until_now = now.at_login() && !now.promoted();
            if standby_until_now && flag(&connection, "in_hot_standby") == Some(false) {
                now.0.now.store(false, Ordering::Relaxed);
            }
            polled
        }));
        let cancel_key = CancelKey {
            token: client.cancel_token(),
            tls: tls.cloned(),
        };
        Login {
            client,
            task,
            state,
            hot_standby,
            warnings,
            server_major,
            cancel_key,
        }
    }
}
