//! The command line: `userapi` serves, `userapi --healthcheck` probes a running server,
//! `userapi --help` (or `-h`) says what the binary reads; anything else is refused
//! with the usage and exit code 2.
//!
//! The seed was started as `uvicorn app.main:app`, and uvicorn's command line is click:
//! `uvicorn --help` lists every option with its default, generated from the option
//! declarations, and an unknown option gets "No such option" and exit code 2. Our
//! settings come from the environment, so the help lists the variables; their defaults
//! are the constants `config.rs` applies, not a second copy that could drift.
//!
//! Help goes to stdout (it is what was asked for: `userapi --help | less`), errors to
//! stderr. Both are written once, straight to the stream, with errors ignored: not
//! through `println!`, which panics on a closed stdout (`userapi --help | head -1`),
//! and not through the logging threads, which would report that closed pipe as a
//! stopped access log.

use std::ffi::OsString;
use std::io::Write;

use crate::config::{
    DEFAULT_DB_HOST, DEFAULT_DB_NAME, DEFAULT_DB_PASSWORD, DEFAULT_DB_PORT, DEFAULT_DB_USER,
    DEFAULT_PORT, DEFAULT_SSLMODE, DEFAULT_SSLROOTCERT,
};
use crate::db::{DEFAULT_CONNECT_TIMEOUT, TargetSessionAttrs};

/// What the arguments ask for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// No argument: serve the API.
    Serve,
    /// `--healthcheck`: probe the server on `PORT` (see `ops/healthcheck.rs`).
    Healthcheck,
    /// `--help` or `-h`.
    Help,
    /// The first argument we do not know (or one too many), as given: it may not be
    /// UTF-8.
    Unknown(OsString),
}

/// Reads the arguments after the program name (`std::env::args_os().skip(1)`).
pub fn parse(mut args: impl Iterator<Item = OsString>) -> Command {
    let Some(first) = args.next() else {
        return Command::Serve;
    };
    let command = if first == "--healthcheck" {
        Command::Healthcheck
    } else if first == "--help" || first == "-h" {
        Command::Help
    } else {
        return Command::Unknown(first);
    };
    // Each mode takes no operand: a second argument is a mistake, not something to skip.
    match args.next() {
        None => command,
        Some(extra) => Command::Unknown(extra),
    }
}

/// `userapi --help`: the usage on stdout.
pub fn print_help() {
    let _ = std::io::stdout().lock().write_all(usage().as_bytes());
}

/// An unknown argument: says which, then the usage, on stderr.
pub fn print_unknown(arg: &OsString) {
    let text = format!("userapi: unknown argument {arg:?}\n\n{}", usage());
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The width of the defaults' column; a longer default gets a line of its own.
const DEFAULT_COLUMN: usize = 9;

/// The usage text: the modes, then every environment variable with its default.
pub fn usage() -> String {
    let no_tls = if cfg!(feature = "tls") {
        ""
    } else {
        " (this build: no TLS, so the first three only)"
    };
    let unset = || "unset".to_string();
    let variables = [
        (
            "PORT",
            DEFAULT_PORT.to_string(),
            "port to listen on, on all interfaces (0.0.0.0)".into(),
        ),
        (
            "DB_HOST",
            DEFAULT_DB_HOST.into(),
            "PostgreSQL host (the Compose service name), or hosts h1,h2 tried in turn".into(),
        ),
        (
            "DB_PORT",
            DEFAULT_DB_PORT.to_string(),
            "PostgreSQL port, one for all hosts or one per host (5441,5442)".into(),
        ),
        ("DB_NAME", DEFAULT_DB_NAME.into(), "database".into()),
        ("DB_USER", DEFAULT_DB_USER.into(), "user".into()),
        (
            "DB_PASSWORD",
            DEFAULT_DB_PASSWORD.into(),
            "password; never printed, not even in debug output".into(),
        ),
        (
            "DATABASE_URL",
            unset(),
            "postgres://user:pass@host:port/db (or key=value; hosts h1:p1,h2:p2); \
             overrides all DB_*"
                .into(),
        ),
        (
            "READ_DATABASE_URL",
            unset(),
            "a standby for GET /users and /users/{id}, same syntax (usually \
             target_session_attrs=standby); never stale for a writer"
                .into(),
        ),
        (
            "PGHOST",
            unset(),
            "hosts where DB_HOST is unset, or DATABASE_URL names none".into(),
        ),
        (
            "PGPORT",
            unset(),
            "ports where DB_PORT is unset, or DATABASE_URL names no host".into(),
        ),
        (
            "PGTARGETSESSIONATTRS",
            TargetSessionAttrs::Any.as_str().into(),
            "which host: any, read-write, read-only, primary, standby, prefer-standby".into(),
        ),
        (
            "PGLOADBALANCEHOSTS",
            "disable".into(),
            "disable (hosts in order) or random (a new order for each connection)".into(),
        ),
        (
            "PGCONNECT_TIMEOUT",
            DEFAULT_CONNECT_TIMEOUT.as_secs().to_string(),
            "seconds each host may take to connect, before the next is tried".into(),
        ),
        (
            "PGSSLMODE",
            DEFAULT_SSLMODE.as_str().into(),
            format!(
                "libpq's sslmode: disable, allow, prefer, require, verify-ca, verify-full{no_tls}"
            ),
        ),
        (
            "PGSSLROOTCERT",
            format!("~/{DEFAULT_SSLROOTCERT} if it exists"),
            "CA certificates (PEM) to trust, or `system` for the machine's roots".into(),
        ),
        (
            "PGSSLCERT",
            unset(),
            "client certificate (PEM), for servers that ask for one; needs PGSSLKEY".into(),
        ),
        (
            "PGSSLKEY",
            unset(),
            "the client certificate's key (PEM); needs PGSSLCERT".into(),
        ),
        (
            "ADMIN_PORT",
            unset(),
            "admin listener's port (/live, /ready, /metrics); unset, there is none".into(),
        ),
    ];
    let name_column = variables
        .iter()
        .map(|(name, ..)| name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::from(
        "userapi: the capstone's users API, a drop-in for its FastAPI reference\n\
         \n\
         usage: userapi                 serve the API, configured by the environment below\n       \
         userapi --healthcheck   GET / on 127.0.0.1:$PORT; exit 0 on a 200, 1 otherwise\n       \
         userapi --help, -h      print this help and exit\n\
         \n\
         environment (unset or empty means the default; in DATABASE_URL, libpq's sslmode,\n\
         sslrootcert, sslcert, sslkey, target_session_attrs, load_balance_hosts and\n\
         connect_timeout win over the PG* variables):\n",
    );
    text.push_str(&format!(
        "  {:name_column$}  {:DEFAULT_COLUMN$}  meaning\n",
        "variable", "default"
    ));
    for (name, default, meaning) in &variables {
        if default.len() > DEFAULT_COLUMN {
            // As click does with a long option: the rest on the next line, aligned.
            text.push_str(&format!("  {name:name_column$}  {default}\n"));
            text.push_str(&format!(
                "  {:name_column$}  {:DEFAULT_COLUMN$}  {meaning}\n",
                "", ""
            ));
        } else {
            text.push_str(&format!(
                "  {name:name_column$}  {default:DEFAULT_COLUMN$}  {meaning}\n"
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Command {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn each_mode_has_its_flag_and_nothing_else_is_accepted() {
        assert_eq!(parsed(&[]), Command::Serve);
        assert_eq!(parsed(&["--healthcheck"]), Command::Healthcheck);
        assert_eq!(parsed(&["--help"]), Command::Help);
        assert_eq!(parsed(&["-h"]), Command::Help);
        assert_eq!(parsed(&["--port"]), Command::Unknown("--port".into()));
        assert_eq!(parsed(&["--help", "x"]), Command::Unknown("x".into()));
    }

    #[test]
    fn the_usage_shows_the_defaults_config_applies() {
        let text = usage();
        assert!(
            text.contains("\n  PORT                  8000       port"),
            "{text}"
        );
        assert!(
            text.contains("\n  DB_PORT               5432       PostgreSQL port, one"),
            "{text}"
        );
        assert!(
            text.contains("\n  PGSSLMODE             prefer     libpq's"),
            "{text}"
        );
        assert!(
            text.contains("  PGSSLROOTCERT         ~/.postgresql/root.crt if it exists\n"),
            "{text}"
        );
        assert!(
            text.contains("\n  PGCONNECT_TIMEOUT     3          seconds"),
            "{text}"
        );
    }
}
