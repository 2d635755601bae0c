//! Why a connection attempt failed, in the words an operator needs: "host name not
//! found", "connection refused", "password rejected", not tokio-postgres's "error
//! connecting to server" for all of them.
//!
//! libpq does the same for psycopg2: its messages say `could not translate host name`,
//! `Connection refused`, `password authentication failed`, `certificate verify failed`.
//! tokio-postgres keeps the cause, but inside its error's chain of sources: an
//! `io::Error` (its kind, or for DNS its text), a `rustls::Error`, or the server's own
//! error with its SQLSTATE. [`ConnectFailure`] digs it out. The server's messages never
//! contain the password, and neither does anything written here.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// A failed connection attempt.
#[derive(Debug)]
pub(super) enum ConnectFailure {
    /// What tokio-postgres reported.
    Postgres(tokio_postgres::Error),
    /// The whole attempt outlasted the connect deadline.
    TimedOut,
    /// The TLS settings cannot be used (an unreadable `sslrootcert`...).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Setup(String),
    /// The server insists on TLS and this build was made without the `tls` feature.
    #[cfg_attr(feature = "tls", allow(dead_code))]
    NoTlsInThisBuild,
}

impl From<tokio_postgres::Error> for ConnectFailure {
    fn from(err: tokio_postgres::Error) -> ConnectFailure {
        ConnectFailure::Postgres(err)
    }
}

impl ConnectFailure {
    /// pg_hba.conf turned us away (SQLSTATE 28000, "no pg_hba.conf entry ... no
    /// encryption" when it has only `hostssl` lines): what makes libpq's `allow` try
    /// again with TLS. A wrong password or a missing database would fail the same way
    /// over TLS, so those are reported as they are.
    pub(super) fn is_refused_by_pg_hba(&self) -> bool {
        matches!(self, ConnectFailure::Postgres(err)
            if err.as_db_error().is_some_and(|db| db.code().code() == "28000"))
    }

    /// The server agreed to TLS and the handshake then failed: what makes `prefer` fall
    /// back to plain text.
    pub(super) fn is_tls_handshake(&self) -> bool {
        matches!(self, ConnectFailure::Postgres(err) if err.to_string().starts_with("error performing TLS handshake"))
    }
}

impl fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectFailure::Postgres(err) => f.write_str(&describe(err)),
            ConnectFailure::TimedOut => f.write_str("timed out: no answer from the server"),
            ConnectFailure::Setup(reason) => write!(f, "TLS settings unusable: {reason}"),
            ConnectFailure::NoTlsInThisBuild => f.write_str(
                "the server requires encryption (TLS), and this build has none \
                 (built without the `tls` feature)",
            ),
        }
    }
}

fn describe(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let message = db.message();
        return match db.code().code() {
            "28P01" => format!("password rejected ({message})"),
            "3D000" => format!("database does not exist ({message})"),
            // pg_hba.conf has `hostssl` lines only: "... no encryption".
            "28000" if message.contains("no encryption") => format!(
                "the server requires an encrypted connection (TLS) and sslmode=disable \
                 forbids it ({message})"
            ),
            code => format!("the server refused: {message} ({code})"),
        };
    }
    // tokio-postgres's own text is only the kind ("error connecting to server"); the
    // cause is in its sources.
    let text = with_sources(err);
    if text.contains("server does not support TLS") {
        return "TLS handshake failed: the server does not support TLS (ssl=off), \
                and sslmode requires it"
            .into();
    }
    if text.contains("password missing") {
        return "password rejected: the server asks for a password and none is set".into();
    }
    #[cfg(feature = "tls")]
    if let Some(tls) = find_in_chain::<rustls::Error>(err) {
        return format!("TLS handshake failed: {}", describe_tls(tls));
    }
    if let Some(io) = find_in_chain::<io::Error>(err) {
        return match io.kind() {
            io::ErrorKind::ConnectionRefused => {
                "connection refused (nothing listens on that port)".into()
            }
            io::ErrorKind::TimedOut => "timed out: the server did not answer".into(),
            // getaddrinfo's failures have no kind of their own, only this text.
            _ if io.to_string().contains("lookup address") => {
                format!("host name not found ({io})")
            }
            _ if text.starts_with("error performing TLS handshake") => {
                format!("TLS handshake failed: {io}")
            }
            _ => text,
        };
    }
    text
}

/// Why an established connection ended: the server's message and SQLSTATE if it sent
/// one ("terminating connection due to administrator command (57P01)"), else the error
/// with its sources; tokio-postgres's own text stops at "db error".
pub(super) fn why_connection_ended(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => with_sources(err),
    }
}

/// `err` and each of its sources, joined with ": ", as `anyhow` would print it.
fn with_sources(err: &tokio_postgres::Error) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

#[cfg(feature = "tls")]
fn describe_tls(err: &rustls::Error) -> String {
    use rustls::CertificateError as Cert;
    match err {
        rustls::Error::InvalidCertificate(Cert::UnknownIssuer) => {
            "certificate not trusted (not signed by a CA in sslrootcert)".into()
        }
        rustls::Error::InvalidCertificate(Cert::NotValidForNameContext {
            expected,
            presented,
        }) => format!(
            "host name does not match the certificate (dialled {:?}, it names {})",
            expected.to_str(),
            presented.join(", ")
        ),
        rustls::Error::InvalidCertificate(Cert::NotValidForName) => {
            "host name does not match the certificate".into()
        }
        rustls::Error::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => {
            "certificate expired".into()
        }
        other => other.to_string(),
    }
}

/// The first error of type `E` in `err`'s chain of sources. `io::Error` hides what it
/// wraps from `source()` (it returns the wrapped error's source), so look inside it too.
fn find_in_chain<E: StdError + 'static>(err: &tokio_postgres::Error) -> Option<&E> {
    let mut next: Option<&(dyn StdError + 'static)> = err.source();
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<E>() {
            return Some(found);
        }
        if let Some(inner) = current
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            if let Some(found) = inner.downcast_ref::<E>() {
                return Some(found);
            }
        }
        next = current.source();
    }
    None
}
