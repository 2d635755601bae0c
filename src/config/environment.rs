//! The environment, read: each variable's default, how a value is looked up, and the
//! one error a setting can give. The settings (`config.rs`) and each kind of key
//! (`database_url.rs`, `host_params.rs`, `tls_params.rs`) build on it; it knows none of
//! them.

use std::fmt;

use crate::db::SslMode;

// The defaults, named once: the settings apply them and `userapi --help` (cli.rs)
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

/// A setting that cannot be used, with the variable's name, never its value.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// An environment variable's value; set-but-empty counts as unset, so `PORT=` in a
/// compose file means the default rather than an error.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `PORT` (default 8000): where the server listens, and where `--healthcheck` knocks.
pub fn listen_port(lookup: impl Fn(&str) -> Option<String>) -> Result<u16, ConfigError> {
    parse_port("PORT", lookup("PORT"), DEFAULT_PORT)
}

/// The first of `names` that is set, with its name (for errors).
pub(super) fn first_set<'a, const N: usize>(
    lookup: &impl Fn(&str) -> Option<String>,
    names: [&'a str; N],
) -> Option<(&'a str, String)> {
    names
        .into_iter()
        .find_map(|name| lookup(name).map(|value| (name, value)))
}

pub(super) fn parse_port(
    name: &str,
    value: Option<String>,
    default: u16,
) -> Result<u16, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} must be a port number (1-65535)"))),
    }
}
