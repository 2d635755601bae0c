//! Where reads were answered, and why the primary answered those a standby could have:
//! what a Python app with a read replica would have to count itself (no library does).
//!
//! Without `READ_DATABASE_URL` every read is a `primary` one and no fallback is
//! counted. The database layer records one per `GET /users/{id}` answered and one per page of
//! `GET /users` read (`db/reads/outcome.rs`).

use std::sync::atomic::{AtomicU64, Ordering};

use super::exposition::{Exposition, Kind};

const CONNECTIONS: [&str; 2] = ["primary", "standby"];
static SERVED: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// The causes the database layer names (`Fallback::label`), in its order.
const CAUSES: [&str; 8] = [
    "not_found",
    "lagging",
    "no_standby",
    "deadline",
    "connection",
    "recovery_conflict",
    "promoted",
    "rejected",
];
static FALLBACKS: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// `requests` reads answered on `connection` (`primary` or `standby`).
pub fn served(connection: &str, requests: usize) {
    add(&CONNECTIONS, &SERVED, connection, requests);
}

/// `requests` reads sent to the primary for `cause`.
pub fn fell_back(cause: &str, requests: usize) {
    add(&CAUSES, &FALLBACKS, cause, requests);
}

/// An unknown label is counted as none rather than panic.
fn add(labels: &[&str], counters: &[AtomicU64], label: &str, n: usize) {
    if let Some(index) = labels.iter().position(|known| *known == label) {
        counters[index].fetch_add(n as u64, Ordering::Relaxed);
    }
}

pub fn write(out: &mut Exposition) {
    out.family(
        "userapi_reads_total",
        Kind::Counter,
        "Reads (GET /users/{id} answers, GET /users pages) by the connection that \
         answered: the primary, or the standby of READ_DATABASE_URL.",
    );
    for (connection, count) in CONNECTIONS.iter().zip(&SERVED) {
        let count = count.load(Ordering::Relaxed) as f64;
        out.sample("userapi_reads_total", &[("connection", connection)], count);
    }
    out.family(
        "userapi_read_fallbacks_total",
        Kind::Counter,
        "Reads the primary answered although a standby is configured, by cause.",
    );
    for (cause, count) in CAUSES.iter().zip(&FALLBACKS) {
        let count = count.load(Ordering::Relaxed) as f64;
        out.sample("userapi_read_fallbacks_total", &[("cause", cause)], count);
    }
}
