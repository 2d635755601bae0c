//! The database connection's health and the batches sent on it: what a pool library's
//! instrumentation (SQLAlchemy's pool events, psycopg_pool's `get_stats()`) would give a
//! Python service, here for the one supervised connection.
//!
//! The supervisor reports each connect, failed attempt, loss and replacement
//! ([`connected`], [`connect_failed`], [`disconnected`], [`replaced`]); each [`Batcher`](crate::db::Batcher) asks for
//! the histogram of its statement kind ([`batch_sizes`]) when it starts. The kinds are
//! names the services give at start, so the set of labels is fixed by the code.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::exposition::{Exposition, Kind};
use super::histogram::Histogram;
use super::registry::Registry;

static UP: AtomicBool = AtomicBool::new(false);
static EVER_CONNECTED: AtomicBool = AtomicBool::new(false);
static RECONNECTS: AtomicU64 = AtomicU64::new(0);
static CONNECT_FAILURES: AtomicU64 = AtomicU64::new(0);
/// Why sessions were replaced while their connection was still open: the causes the
/// database layer names (`deadline`, `read_only`, `shutdown`, `promoted`), each with
/// its count.
const CAUSES: [&str; 4] = ["deadline", "read_only", "shutdown", "promoted"];
static REPLACEMENTS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// Batch sizes as powers of two up to the batcher's cap of 256.
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// A session is up; every connect after the first is a reconnect.
pub fn connected() {
    if EVER_CONNECTED.swap(true, Ordering::Relaxed) {
        RECONNECTS.fetch_add(1, Ordering::Relaxed);
    }
    UP.store(true, Ordering::Relaxed);
}

/// The session ended (PostgreSQL stopped, the backend was terminated, the network
/// failed as far as keepalives can tell).
pub fn disconnected() {
    UP.store(false, Ordering::Relaxed);
}

/// A session was retired and its connection closed, for `cause`: a call hit its
/// deadline unanswered, the host stopped taking writes, or it is shutting down. An
/// unknown cause is counted as none of them rather than panic.
pub fn replaced(cause: &str) {
    if let Some(index) = CAUSES.iter().position(|known| *known == cause) {
        REPLACEMENTS[index].fetch_add(1, Ordering::Relaxed);
    }
}

/// A connection attempt failed (refused, timed out, authentication, setup).
pub fn connect_failed() {
    CONNECT_FAILURES.fetch_add(1, Ordering::Relaxed);
}

/// The batch sizes of one statement kind.
pub struct BatchSizes {
    statement: &'static str,
    sizes: Histogram,
}

static KINDS: Registry<BatchSizes> = Registry::new();

/// The batch-size histogram of `statement` (`find`, `create`, ...); created on first
/// use. Call at start and keep it: observing takes no lock.
pub fn batch_sizes(statement: &'static str) -> Arc<BatchSizes> {
    KINDS.child(
        |kind| kind.statement == statement,
        || BatchSizes {
            statement,
            sizes: Histogram::new(&BATCH_BUCKETS, 1.0),
        },
    )
}

impl BatchSizes {
    /// Records one batch of `requests` requests.
    pub fn observe(&self, requests: usize) {
        self.sizes.observe(requests as u64);
    }
}

pub fn write(out: &mut Exposition) {
    let up = if UP.load(Ordering::Relaxed) { 1.0 } else { 0.0 };
    out.family(
        "userapi_database_up",
        Kind::Gauge,
        "1 while the connection to PostgreSQL is up, else 0.",
    );
    out.sample("userapi_database_up", &[], up);
    out.family(
        "userapi_database_reconnects_total",
        Kind::Counter,
        "Connections made after the first one (each follows a lost connection).",
    );
    let reconnects = RECONNECTS.load(Ordering::Relaxed);
    out.sample("userapi_database_reconnects_total", &[], reconnects as f64);
    out.family(
        "userapi_database_connect_failures_total",
        Kind::Counter,
        "Connection attempts that failed.",
    );
    let failures = CONNECT_FAILURES.load(Ordering::Relaxed);
    out.sample(
        "userapi_database_connect_failures_total",
        &[],
        failures as f64,
    );
    out.family(
        "userapi_database_replacements_total",
        Kind::Counter,
        "Connections closed and replaced while still open, by cause: a call that got \
         no answer by its deadline, a write refused as read-only (the host is no longer \
         a primary), the server shutting down, a standby-read connection whose host was \
         promoted.",
    );
    for (cause, count) in CAUSES.iter().zip(&REPLACEMENTS) {
        let count = count.load(Ordering::Relaxed) as f64;
        out.sample(
            "userapi_database_replacements_total",
            &[("cause", cause)],
            count,
        );
    }
    out.family(
        "userapi_database_batch_size",
        Kind::Histogram,
        "Requests answered by one statement, by statement kind.",
    );
    for kind in KINDS.children() {
        let labels = [("statement", kind.statement)];
        kind.sizes
            .write(out, "userapi_database_batch_size", &labels);
    }
}
