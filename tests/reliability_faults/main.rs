//! Faults, issue 5: the real server binary (a child process, as in production) against
//! a PostgreSQL of its own that each test kills, stops or starts, and a SIGTERM.
//!
//! Each test checks the promise and prints its measurements as `figure:` lines;
//! `cargo test --test reliability_faults -- --nocapture` shows them (docs/reliability.md
//! quotes them). The tests measure time, so they take turns ([`SERIAL`]): on a
//! two-core machine, four PostgreSQLs starting at once would measure the machine rather
//! than the server. Every server runs with a canary password, and every test ends by
//! searching all the server printed for it.

#[path = "../support/mod.rs"]
mod support;

mod graceful_stop;
mod killed_under_load;
mod restarts;
mod secrets;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::process::ServerProcess;
use support::{Cluster, http};

/// One fault at a time; see the module comment.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server's `DB_PASSWORD`: unique, so finding it anywhere is a leak. (The test
/// cluster trusts local connections, so PostgreSQL never asks for it; what is tested is
/// that the server itself never prints it.)
fn canary_password() -> String {
    format!("canary-pw-{}-x7", std::process::id())
}

/// A cluster of the test's own (it will be stopped) and the server binary on it.
fn cluster_and_server() -> (Cluster, ServerProcess) {
    let cluster = support::own_cluster();
    let server = ServerProcess::start(&cluster.config(), &canary_password());
    (cluster, server)
}

/// Asserts the password is in nothing the server printed, nor in `bodies`.
fn assert_no_secret(server: &ServerProcess, bodies: &str) {
    let canary = canary_password();
    let output = server.output();
    assert!(
        !output.contains(&canary),
        "the password was logged:\n{output}"
    );
    assert!(!bodies.contains(&canary), "the password was in a response");
}

/// Sends `GET path` until it answers `status` (each try waits as long as the server
/// makes it); returns how long that took. Panics after `limit`.
async fn until_status(addr: SocketAddr, path: &str, status: u16, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if http::send(addr, "GET", path, &[], b"").await.status == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "GET {path} not {status} after {limit:?}"
        );
    }
}

/// `Cluster` calls block (they wait for PostgreSQL); keep them off the async workers.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(work)
}
