//! Operations, issue 14: the admin port (`/live`, `/ready`, `/metrics`) of the real
//! binary, through a PostgreSQL stop and start, a terminated backend and a SIGTERM, and
//! `/metrics` read by a real Prometheus parser (`prometheus_client.parser`, the Python
//! client's; see [`prometheus`]).
//!
//! The metrics are process-wide, so every test here runs the binary (a process of its
//! own, with counters of its own) rather than the in-process `TestApp`. The tests that
//! stop PostgreSQL or the server take turns ([`SERIAL`]): they measure seconds.

#[path = "../support/mod.rs"]
mod support;

mod api_port;
mod health_probe;
mod label_fuzz;
mod metrics;
mod probes;
mod prometheus;
mod shutdown;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::http;

/// One timing test at a time; see the module comment.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Sends `GET path` until it answers `status`; returns the last response and how long
/// it took. Panics after `limit`.
async fn until_status(
    addr: SocketAddr,
    path: &str,
    status: u16,
    limit: Duration,
) -> (http::Response, Duration) {
    let started = Instant::now();
    loop {
        let response = http::send(addr, "GET", path, &[], b"").await;
        if response.status == status {
            return (response, started.elapsed());
        }
        assert!(
            started.elapsed() < limit,
            "GET {path} still {} after {limit:?}: {}",
            response.status,
            response.text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `Cluster` calls block (they wait for PostgreSQL); keep them off the async workers.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(work)
}
