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

use tokio::time::{Instant, timeout_at};
use tokio_postgres::config::SslMode as WireMode;
use tokio_postgres::{Config, NoTls};

use super::connect_failure::ConnectFailure;
use super::login::{CancelKey, Login};
use crate::db::settings::{SslMode, TlsSettings};

/// One login as `sslmode` says (maybe two sockets: `allow` and `prefer` have a second
/// way in), all within `deadline`.
pub(super) async fn log_in(
    config: &Config,
    tls: &TlsSettings,
    deadline: Instant,
) -> Result<Login, ConnectFailure> {
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
                    Ok(login) => Ok(login),
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
async fn plain(config: &Config) -> Result<Login, ConnectFailure> {
    let mut config = config.clone();
    config.ssl_mode(WireMode::Disable);
    let (client, connection) = config.connect(NoTls).await?;
    // The connection object does the socket I/O; it must be polled for the client to
    // work at all, so it gets its own task, which ends when the connection does.
    Ok(Login::drive(client, connection, None))
}

/// A connection that sends `SSLRequest` (`Prefer`: and accepts an `N`), then does the
/// handshake with rustls, checking the certificate as `tls` says.
#[cfg(feature = "tls")]
async fn encrypted(
    config: &Config,
    wire: WireMode,
    tls: &TlsSettings,
) -> Result<Login, ConnectFailure> {
    let mut config = config.clone();
    config.ssl_mode(wire);
    let connector = super::tls_rustls::connector(tls)?;
    let (client, connection) = config.connect(connector).await?;
    Ok(Login::drive(client, connection, Some(tls)))
}

/// Without the `tls` feature `config.rs` only lets through modes that may end in plain
/// text, so `prefer` (told "no TLS here") and `allow` (which then gives up) land here.
#[cfg(not(feature = "tls"))]
async fn encrypted(
    config: &Config,
    wire: WireMode,
    _tls: &TlsSettings,
) -> Result<Login, ConnectFailure> {
    match wire {
        WireMode::Prefer => plain(config).await,
        _ => Err(ConnectFailure::NoTlsInThisBuild),
    }
}

/// Asks the server to cancel the statement the connection of `key` is running (libpq's
/// `PQcancel`): a CancelRequest on a new connection, encrypted as the connection is.
/// Whether it worked shows on the connection itself: the statement ends.
pub(super) async fn cancel(key: &CancelKey) -> Result<(), String> {
    #[cfg(feature = "tls")]
    if let Some(tls) = &key.tls {
        let connector = super::tls_rustls::connector(tls).map_err(|e| e.to_string())?;
        return key
            .token
            .cancel_query(connector)
            .await
            .map_err(|e| e.to_string());
    }
    key.token
        .cancel_query(NoTls)
        .await
        .map_err(|e| e.to_string())
}
