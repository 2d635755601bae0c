//! Settings from the environment: the port to listen on and where PostgreSQL is.
//!
//! The seed reads `DB_HOST`, `DB_NAME`, `DB_USER` and `DB_PASSWORD` with `os.getenv`
//! (defaults `db`, `appdb`, `postgres`, `password`) and uvicorn takes `--port 8000`. We
//! read the same names with the same defaults, plus `DB_PORT`, `PORT`, and
//! `DATABASE_URL`, which overrides the `DB_*` variables when it is set. TLS is set the
//! way libpq's users set it: `?sslmode=...` in the URL or `PGSSLMODE` and friends
//! ([`tls_params`]); psycopg2 reads the same. Host lists and how they are tried
//! (`target_session_attrs`...) are libpq's too ([`host_params`]). `READ_DATABASE_URL`
//! names a standby for reads, in the same syntax ([`database_url`]).
//! `ADMIN_PORT` turns on the admin listener (`/live`, `/ready`, `/metrics`; see
//! `ops/admin.rs`).
//!
//! The password must never reach a log line, so `Settings` writes its own `Debug` and
//! `describe()` shows only user, host, port and database name.

mod database_url;
mod host_params;
mod tls_params;

use std::fmt;

use crate::db::{ConnectSettings, SslMode, describe_database};

// The defaults, named once: `from_lookup` applies them and `userapi --help` (cli.rs)
// shows them, so the two cannot drift apart.
/// `PORT`: uvicorn's `--port 8000` in the seed's Dockerfile.
pub const DEFAULT_PORT: u16 = 8000;
/// `DB_HOST`: the Compose service name of the database.
pub const DEFAULT_DB_HOST: &str = "db";
/// `DB_PORT`: PostgreSQL's own.
pub const DEFAULT_DB_PORT: u16 = 5432;
/// `DB_NAME`, `DB_USER`, `DB_PASSWORD`: the seed's `os.getenv` defaults.
pub const DEFAULT_DB_NAME: &str = "appdb";
pub const DEFAULT_DB_USER: &str = "postgres";
pub const DEFAULT_DB_PASSWORD: &str = "password";
/// `PGSSLMODE`: libpq's default.
pub const DEFAULT_SSLMODE: SslMode = SslMode::Prefer;
/// libpq's default `sslrootcert`, under `$HOME`, used only when the file exists.
pub const DEFAULT_SSLROOTCERT: &str = ".postgresql/root.crt";

/// Everything the server needs to know before it starts.
#[derive(Clone)]
pub struct Settings {
    /// TCP port to listen on (all interfaces, like `uvicorn --host 0.0.0.0`).
    pub port: u16,
    /// Where and how to reach PostgreSQL (host, port, user, password, database, TLS).
    pub database: ConnectSettings,
    /// `READ_DATABASE_URL`: a standby for the read routes (`db/reads.rs`); unset, the
    /// one connection above serves everything.
    pub read_database: Option<ConnectSettings>,
    /// `ADMIN_PORT`: where `/live`, `/ready` and `/metrics` are served; unset, nowhere.
    pub admin_port: Option<u16>,
}

/// A setting that cannot be used, with the variable's name, never its value.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(env_var)
    }

    /// Reads settings through `lookup`, so tests can pass a map instead of the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let port = listen_port(&lookup)?;
        let database = database_url::database(&lookup)?;
        let read_database = database_url::read_database(&lookup)?;
        let admin_port = lookup("ADMIN_PORT")
            .map(|value| parse_port("ADMIN_PORT", Some(value), 0))
            .transpose()?;
        Ok(Settings {
            port,
            database,
            read_database,
            admin_port,
        })
    }

    /// `user@host:port/dbname`, for the start-up log line. No password.
    pub fn describe(&self) -> String {
        describe_database(&self.database.postgres)
    }
}

/// An environment variable's value; set-but-empty counts as unset, so `PORT=` in a
/// compose file means the default rather than an error.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `PORT` (default 8000): where the server listens, and where `--healthcheck` knocks.
pub fn listen_port(lookup: impl Fn(&str) -> Option<String>) -> Result<u16, ConfigError> {
    parse_port("PORT", lookup("PORT"), DEFAULT_PORT)
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("port", &self.port)
            .field("admin_port", &self.admin_port)
            .field("database", &self.describe())
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The first of `names` that is set, with its name (for errors).
fn first_set<'a, const N: usize>(
    lookup: &impl Fn(&str) -> Option<String>,
    names: [&'a str; N],
) -> Option<(&'a str, String)> {
    names
        .into_iter()
        .find_map(|name| lookup(name).map(|value| (name, value)))
}

fn parse_port(name: &str, value: Option<String>, default: u16) -> Result<u16, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} must be a port number (1-65535)"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// `Settings` as the binary reads them from an environment of these pairs; the
    /// tests of `config/host_params.rs` use it too.
    pub(crate) fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_seeds() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.port, 8000);
        assert_eq!(s.describe(), "postgres@db:5432/appdb");
        assert_eq!(s.database.postgres.get_password(), Some(&b"password"[..]));
    }

    #[test]
    fn database_url_overrides_db_variables() {
        let s = settings(&[
            ("DB_HOST", "ignored"),
            (
                "DATABASE_URL",
                "postgres://app:s3cret@pg.example:6543/other",
            ),
        ])
        .unwrap();
        assert_eq!(s.describe(), "app@pg.example:6543/other");
    }

    #[test]
    fn debug_and_errors_never_show_the_password() {
        let s = settings(&[("DB_PASSWORD", "hunter2-secret")]).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!s.describe().contains("hunter2"));
        let err = settings(&[("DATABASE_URL", "postgres://u:hunter2@h:notaport/db")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn the_admin_port_is_off_unless_set() {
        assert_eq!(settings(&[]).unwrap().admin_port, None);
        let s = settings(&[("ADMIN_PORT", "9000")]).unwrap();
        assert_eq!(s.admin_port, Some(9000));
        let err = settings(&[("ADMIN_PORT", "admin")]).unwrap_err();
        assert!(err.to_string().starts_with("ADMIN_PORT"), "{err}");
    }

    #[test]
    fn sslmode_in_the_url_reaches_the_tls_settings() {
        let url = "postgres://u:p@h/db?sslmode=verify-ca&sslrootcert=/etc/ca.pem";
        let s = settings(&[("DATABASE_URL", url)]).unwrap();
        assert_eq!(s.database.tls.mode, crate::db::SslMode::VerifyCa);
        assert_eq!(s.describe(), "u@h:5432/db");
        let s = settings(&[("PGSSLMODE", "require")]).unwrap();
        assert_eq!(s.database.tls.mode, crate::db::SslMode::Require);
    }

    #[test]
    fn a_bad_port_is_an_error_naming_the_variable() {
        let err = settings(&[("PORT", "eighty")]).unwrap_err();
        assert!(err.to_string().starts_with("PORT"), "{err}");
    }
}
