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
//! Inside, top to bottom: `database_url` → `host_params`, `tls_params` →
//! `environment`.
//!
//! The password must never reach a log line, so `Settings` writes its own `Debug` and
//! `describe()` shows only user, host, port and database name.

mod database_url;
mod environment;
mod host_params;
mod tls_params;

use std::fmt;

use crate::db::{ConnectSettings, describe_database};
use environment::parse_port;
pub use environment::{
    ConfigError, DEFAULT_DB_HOST, DEFAULT_DB_NAME, DEFAULT_DB_PASSWORD, DEFAULT_DB_PORT,
    DEFAULT_DB_USER, DEFAULT_PORT, DEFAULT_SSLMODE, DEFAULT_SSLROOTCERT, env_var, listen_port,
};

/// Everything the server needs to know before it starts.
#[derive(Clone)]
pub struct Settings {
    /// TCP port to listen on (all interfaces, like `uvicorn --host 0.0.0.0`).
    pub port: u16,
    /// Where and how to reach PostgreSQL (host, port, user, password, database, TLS).
    pub database: ConnectSettings,
    /// `READ_DATABASE_URL`: a standby for the read routes (`db/reads/`); unset, the
    /// one connection above serves everything.
    pub read_database: Option<ConnectSettings>,
    /// `ADMIN_PORT`: where `/live`, `/ready` and `/metrics` are served; unset, nowhere.
    pub admin_port: Option<u16>,
}

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
