//! How to reach PostgreSQL and what to do once there: the settings the database layer
//! is handed. Where they came from (the environment, a URL) is `config.rs`'s business;
//! this file only says what they are, and names a target for the log without its
//! password. libpq keeps the same things in its `PGconn` options.

use std::path::PathBuf;
use std::time::Duration;

use tokio_postgres::config::Host;

/// libpq's default port, used when a config names none.
const DEFAULT_PORT: u16 = 5432;

/// What a connection needs before requests may use it.
#[derive(Clone, Copy)]
pub struct Setup {
    /// Idempotent DDL (`CREATE TABLE IF NOT EXISTS ...`), run by a connection whose
    /// statements find their table missing.
    pub schema: &'static str,
    /// Statements to prepare once per connection; look-ups use the same `&str`.
    pub statements: &'static [&'static str],
}

/// Where PostgreSQL is and how to talk to it: tokio-postgres's settings (hosts, user,
/// password...), the TLS ones it has no words for (`sslmode=verify-full`...), and how
/// to choose among several hosts (libpq's `target_session_attrs`...).
#[derive(Clone)]
pub struct ConnectSettings {
    pub postgres: tokio_postgres::Config,
    pub tls: TlsSettings,
    pub hosts: HostChoice,
}

/// Plain settings get libpq's default TLS behaviour, `sslmode=prefer`, and take the
/// first host that answers.
impl From<tokio_postgres::Config> for ConnectSettings {
    fn from(postgres: tokio_postgres::Config) -> ConnectSettings {
        ConnectSettings {
            postgres,
            tls: TlsSettings::default(),
            hosts: HostChoice::default(),
        }
    }
}

impl ConnectSettings {
    /// The same settings, taking only a host of the kind `target` says: how a link
    /// looks for a writable session, or for a standby, without changing its own.
    pub(crate) fn targeting(&self, target: TargetSessionAttrs) -> ConnectSettings {
        let mut narrowed = self.clone();
        narrowed.hosts.target = target;
        narrowed
    }
}

/// How the hosts of a list are tried: libpq's `target_session_attrs`,
/// `load_balance_hosts` and `connect_timeout` (applied to each host in turn, as libpq
/// does, not to the whole list). `link/host_selection.rs` does what they say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostChoice {
    pub target: TargetSessionAttrs,
    /// `load_balance_hosts=random`: a new random order for every connection.
    pub random_order: bool,
    /// How long one host may take to connect, authenticate and set up.
    pub connect_timeout: Duration,
}

/// Our default `connect_timeout`. libpq waits for ever by default; a service that did
/// would never reach the second host of its list past a frozen first one.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl Default for HostChoice {
    fn default() -> HostChoice {
        HostChoice {
            target: TargetSessionAttrs::Any,
            random_order: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

/// libpq's `target_session_attrs`, all six (tokio-postgres knows the first three).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetSessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl TargetSessionAttrs {
    pub const ALL: [TargetSessionAttrs; 6] = [
        TargetSessionAttrs::Any,
        TargetSessionAttrs::ReadWrite,
        TargetSessionAttrs::ReadOnly,
        TargetSessionAttrs::Primary,
        TargetSessionAttrs::Standby,
        TargetSessionAttrs::PreferStandby,
    ];

    /// The value named as libpq spells it (`prefer-standby`), if it is one.
    pub fn parse(text: &str) -> Option<TargetSessionAttrs> {
        Self::ALL.into_iter().find(|attrs| attrs.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetSessionAttrs::Any => "any",
            TargetSessionAttrs::ReadWrite => "read-write",
            TargetSessionAttrs::ReadOnly => "read-only",
            TargetSessionAttrs::Primary => "primary",
            TargetSessionAttrs::Standby => "standby",
            TargetSessionAttrs::PreferStandby => "prefer-standby",
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

/// `user@host:port/dbname` of a PostgreSQL config, without its password; every host
/// of a list (`user@h1:5441,h2:5442/dbname`).
pub fn describe_database(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = (0..config.get_hosts().len().max(1))
        .map(|index| describe_host(config, index))
        .collect();
    format!(
        "{}@{}/{}",
        config.get_user().unwrap_or("?"),
        hosts.join(","),
        config.get_dbname().unwrap_or("?")
    )
}

/// `host:port` of the `index`th host of a list, as libpq pairs them: a single port
/// serves every host.
pub fn describe_host(config: &tokio_postgres::Config, index: usize) -> String {
    let host = match config.get_hosts().get(index) {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_string(),
    };
    let ports = config.get_ports();
    let port = ports
        .get(index)
        .or(ports.first())
        .copied()
        .unwrap_or(DEFAULT_PORT);
    format!("{host}:{port}")
}
