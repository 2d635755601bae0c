//! How to reach PostgreSQL and what to do once there: the settings the database layer
//! is handed. Where they came from (the environment, a URL) is `config.rs`'s business;
//! this file only says what they are, and names a target for the log without its
//! password. libpq keeps the same things in its `PGconn` options.

use std::path::PathBuf;

use tokio_postgres::config::Host;

/// libpq's default port, used when a config names none.
const DEFAULT_PORT: u16 = 5432;

/// What a connection needs before requests may use it.
#[derive(Clone, Copy)]
pub struct Setup {
    /// Idempotent DDL run at every connect (`CREATE TABLE IF NOT EXISTS ...`).
    pub schema: &'static str,
    /// Statements to prepare once per connection; look-ups use the same `&str`.
    pub statements: &'static [&'static str],
}

/// Where PostgreSQL is and how to talk to it: tokio-postgres's settings (host, user,
/// password...) and the TLS ones it has no words for (`sslmode=verify-full`...).
#[derive(Clone)]
pub struct ConnectSettings {
    pub postgres: tokio_postgres::Config,
    pub tls: TlsSettings,
}

/// Plain settings get libpq's default TLS behaviour, `sslmode=prefer`.
impl From<tokio_postgres::Config> for ConnectSettings {
    fn from(postgres: tokio_postgres::Config) -> ConnectSettings {
        ConnectSettings {
            postgres,
            tls: TlsSettings::default(),
        }
    }
}

/// libpq's `sslmode`, all six of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// The mode named as libpq spells it (`verify-full`), if it is one.
    pub fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Whether this mode can end in a plain-text connection: all a build without TLS
    /// can honour.
    pub fn allows_plain_text(self) -> bool {
        matches!(self, SslMode::Disable | SslMode::Allow | SslMode::Prefer)
    }
}

/// Where trusted root certificates come from (libpq's `sslrootcert`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootCerts {
    /// A PEM file of CA certificates.
    File(PathBuf),
    /// `sslrootcert=system`: the machine's trusted roots, as libpq 16 reads them.
    System,
}

/// Everything about TLS for one connection, from `sslmode`, `sslrootcert`, `sslcert`
/// and `sslkey`. The default is libpq's: `prefer`, no root certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub root_certs: Option<RootCerts>,
    /// A client certificate and its key (PEM files), for servers that ask for one.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

impl Default for TlsSettings {
    fn default() -> TlsSettings {
        TlsSettings {
            mode: SslMode::Prefer,
            root_certs: None,
            client_cert: None,
        }
    }
}

/// `user@host:port/dbname` of a PostgreSQL config, without its password.
pub fn describe_database(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(DEFAULT_PORT);
    format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or("?"),
        host,
        port,
        config.get_dbname().unwrap_or("?")
    )
}
