//! Issue 20: several PostgreSQL hosts, and a connection that stops answering. The real
//! server binary (a child process, as in production) where process behaviour matters,
//! against real clusters: throwaway ones, a primary with a streaming hot standby made
//! by `pg_basebackup -R`, and sockets that accept and never answer.
//!
//! - `host_list`: each host, and each address of a name, gets its own `connect_timeout`;
//!   a failure lists every host.
//! - `target_session`: all six `target_session_attrs` against a primary and a standby.
//! - `stuck_backend`: the server's backend SIGSTOPped under writes: replaced after one
//!   deadline, 201s back within 6 s.
//! - `demoted_primary`: the primary turns read-only (25006) and the standby is promoted:
//!   the connection follows.
//! - `standby_reads` (issue 21): reads from a lagging, promoted and stopped standby
//!   never answer a writer stale data, nor an error; `prefer-standby` moves off the
//!   primary to a standby that comes back.
//!
//! The timing tests take turns ([`SERIAL`]), as in `reliability_faults`, and print their
//! measurements as `figure:` lines (`-- --nocapture`).

#[path = "../support/mod.rs"]
mod support;

mod demoted_primary;
mod host_list;
mod standby_reads;
mod stuck_backend;
mod target_session;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::http::{self, metrics};
use support::process::{Options, ServerProcess};

/// One timing test at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The binary with the admin listener and `DATABASE_URL` = `url` (which wins over the
/// `DB_*` variables `config` would give).
fn server_with_url(config: &tokio_postgres::Config, url: &str) -> ServerProcess {
    let options = Options {
        admin: true,
        env: vec![("DATABASE_URL".to_string(), url.to_string())],
        ..Options::default()
    };
    ServerProcess::start_with(config, "unused", options)
}

/// Waits for a line of the server's output containing `text`; returns it.
fn until_logged(server: &ServerProcess, text: &str, limit: Duration) -> String {
    server.until_logged(text, limit)
}

/// `userapi_database_replacements_total{cause="..."}`.
async fn replacements(admin: SocketAddr, cause: &str) -> f64 {
    let name = format!("userapi_database_replacements_total{{cause=\"{cause}\"}}");
    metrics(admin).await.get(&name).copied().unwrap_or(-1.0)
}

/// Posts a user with a unique `email`; the status, or 0 if there was no answer.
async fn post_user(addr: SocketAddr, email: &str) -> u16 {
    let body = serde_json::json!({"name": "Ha", "email": email, "age": 30}).to_string();
    let json = [("Content-Type", "application/json")];
    let call = http::send(addr, "POST", "/users", &json, body.as_bytes());
    match tokio::time::timeout(Duration::from_secs(10), call).await {
        Ok(response) => response.status,
        Err(_) => 0,
    }
}

/// POSTs until one is answered 201, within `limit`; how long that took.
async fn until_created(addr: SocketAddr, prefix: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    for n in 0.. {
        if post_user(addr, &format!("{prefix}-{n}@example.com")).await == 201 {
            break;
        }
        assert!(started.elapsed() < limit, "no 201 after {limit:?}");
    }
    started.elapsed()
}
