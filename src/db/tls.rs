//! TLS to PostgreSQL with libpq's `sslmode` rules: what psycopg2 got from libpq for free.
//!
//! PostgreSQL speaks TLS inside its own protocol: the client sends an `SSLRequest`, the
//! server answers `S` (go ahead) or `N` (no TLS here), and only then does the handshake
//! start. libpq, the C library under psycopg2, decides from `sslmode` whether to ask,
//! what to do with an `N`, and how much of the server's certificate to believe:
//!
//! | sslmode       | asks for TLS            | checks the certificate                    |
//! |---------------|-------------------------|-------------------------------------------|
//! | `disable`     | never                   | -                                         |
//! | `allow`       | only if plain is refused| no                                        |
//! | `prefer` (default) | first; plain on `N` or a failed handshake | no                 |
//! | `require`     | always                  | no; chain if `sslrootcert` is given       |
//! | `verify-ca`   | always                  | chain up to `sslrootcert`                 |
//! | `verify-full` | always                  | chain, and that it names the host         |
//!
//! tokio-postgres knows only disable/prefer/require (whether to send `SSLRequest`); the
//! rest (`allow`'s second try, `prefer`'s fallback, what "verify" means) is here, with
//! rustls doing the handshake (feature `tls`, on by default). Without that feature only
//! the modes that can end in plain text are accepted (`config.rs` refuses the others).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, timeout_at};
use tokio_postgres::config::SslMode as WireMode;
use tokio_postgres::{Client, Config, Connection, NoTls};

use super::connect_failure::ConnectFailure;
use super::settings::{SslMode, TlsSettings};

/// The task that drives a connection's socket; it ends when the connection does.
pub(super) type ConnectionTask = tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>;

/// A connection made: the client, the task driving it, and what the server reported
/// about itself at login.
pub(super) type Connected = (Client, ConnectionTask, Reported);

/// What PostgreSQL 14 and later report at login (ParameterStatus messages) that says
/// whether this session can write: `in_hot_standby` and `default_transaction_read_only`.
/// `None` where the server did not say (older servers); libpq then asks with a query,
/// and so does `host_selection.rs`.
#[derive(Clone, Debug, Default)]
pub(super) struct Reported {
    pub(super) in_hot_standby: Option<bool>,
    pub(super) default_read_only: Option<bool>,
    /// `in_hot_standby` as the server reports it *now*: see [`HotStandbyNow`].
    pub(super) hot_standby_now: HotStandbyNow,
}

/// Whether the server was a hot standby at login, and whether it still is, as it last
/// said. PostgreSQL reports `in_hot_standby` again, as `off`, before the next
/// ReadyForQuery after a standby is promoted; the task driving the connection watches
/// for it ([`drive`]). A read routed to a standby (`reads/standby.rs`) then learns
/// that its host has become a primary without asking. Shared between that task and
/// the session, hence `Arc`.
#[derive(Clone, Debug, Default)]
pub(super) struct HotStandbyNow(Arc<HotStandby>);

#[derive(Debug, Default)]
struct HotStandby {
    at_login: AtomicBool,
    now: AtomicBool,
}

impl HotStandbyNow {
    /// What the login said (or, before PostgreSQL 14, the session check asked).
    pub(super) fn set_at_login(&self, hot_standby: bool) {
        self.0.at_login.store(hot_standby, Ordering::Relaxed);
        self.0.now.store(hot_standby, Ordering::Relaxed);
    }

    /// A hot standby when the session began: what a standby read wants.
    pub(super) fn at_login(&self) -> bool {
        self.0.at_login.load(Ordering::Relaxed)
    }

    /// A standby at login, a primary now.
    pub(super) fn promoted(&self) -> bool {
        self.at_login() && !self.0.now.load(Ordering::Relaxed)
    }
}

/// The connection's socket I/O in a task of its own (the client does nothing until
/// it is polled), and the login's report. What `tokio::spawn(connection)` does, plus
/// one look at `in_hot_standby` whenever the task wakes: tokio-postgres records a
/// ParameterStatus that arrives mid-session but says nothing of it.
fn drive<S, T>(mut connection: Connection<S, T>) -> (ConnectionTask, Reported)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let flag =
        |connection: &Connection<S, T>, name| connection.parameter(name).map(|value| value == "on");
    let reported = Reported {
        in_hot_standby: flag(&connection, "in_hot_standby"),
        default_read_only: flag(&connection, "default_transaction_read_only"),
        hot_standby_now: HotStandbyNow::default(),
    };
    let now = reported.hot_standby_now.clone();
    now.set_at_login(reported.in_hot_standby == Some(true));
    // `poll_fn` makes a future out of a closure that tokio calls each time the socket
    // is ready: Python's asyncio would hide this loop inside a protocol class.
    let task = tokio::spawn(std::future::poll_fn(move |cx| {
        let polled = loop {
            match connection.poll_message(cx) {
                // Notices and LISTEN notifications: this service uses neither.
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
    (task, reported)
}

/// One connection attempt as `sslmode` says (maybe two sockets: `allow` and `prefer`
/// have a second way in), all within `deadline`.
pub(super) async fn connect(
    config: &Config,
    tls: &TlsSettings,
    deadline: Instant,
) -> Result<Connected, ConnectFailure> {
    let attempt = async {
        match tls.mode {
            SslMode::Disable => plain(config).await,
            // libpq's `allow`: plain first; TLS only when the server turns that away
            // (pg_hba.conf has only `hostssl` lines for us).
            SslMode::Allow => match plain(config).await {
                Err(failure) if failure.is_refused_by_pg_hba() => {
                    encrypted(config, WireMode::Require, tls).await
                }
                other => other,
            },
            // libpq's `prefer`: TLS if the server says yes; plain text if it says no
            // (tokio-postgres does that part) or if the handshake itself fails.
            SslMode::Prefer => match encrypted(config, WireMode::Prefer, tls).await {
                Err(failure) if failure.is_tls_handshake() => match plain(config).await {
                    Ok(connected) => Ok(connected),
                    Err(_) => Err(failure),
                },
                other => other,
            },
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                encrypted(config, WireMode::Require, tls).await
            }
        }
    };
    match timeout_at(deadline, attempt).await {
        Ok(outcome) => outcome,
        Err(_) => Err(ConnectFailure::TimedOut),
    }
}

/// A connection that never asks for TLS.
async fn plain(config: &Config) -> Result<Connected, ConnectFailure> {
    let mut config = config.clone();
    config.ssl_mode(WireMode::Disable);
    let (client, connection) = config.connect(NoTls).await?;
    // The connection object does the socket I/O; it must be polled for the client to
    // work at all, so it gets its own task, which ends when the connection does.
    let (task, reported) = drive(connection);
    Ok((client, task, reported))
}

/// A connection that sends `SSLRequest` (`Prefer`: and accepts an `N`), then does the
/// handshake with rustls, checking the certificate as `tls` says.
#[cfg(feature = "tls")]
async fn encrypted(
    config: &Config,
    wire: WireMode,
    tls: &TlsSettings,
) -> Result<Connected, ConnectFailure> {
    let mut config = config.clone();
    config.ssl_mode(wire);
    let connector = super::tls_rustls::connector(tls)?;
    let (client, connection) = config.connect(connector).await?;
    let (task, reported) = drive(connection);
    Ok((client, task, reported))
}

/// Without the `tls` feature `config.rs` only lets through modes that may end in plain
/// text, so `prefer` (told "no TLS here") and `allow` (which then gives up) land here.
#[cfg(not(feature = "tls"))]
async fn encrypted(
    config: &Config,
    wire: WireMode,
    _tls: &TlsSettings,
) -> Result<Connected, ConnectFailure> {
    match wire {
        WireMode::Prefer => plain(config).await,
        _ => Err(ConnectFailure::NoTlsInThisBuild),
    }
}
