//! The database connection's health and the batches sent on it: what a pool library's
//! instrumentation (SQLAlchemy's pool events, psycopg_pool's `get_stats()`) would give a
//! Python service, here for the one supervised connection.
//!
//! The supervisor reports each connect, failed attempt, loss and replacement to its
//! connection's [`ConnectionHealth`] ([`PRIMARY`] or [`STANDBY_READS`]); each [`Batcher`](crate::db::Batcher) asks for
//! the histogram of its statement kind ([`batch_sizes`]) when it starts. The kinds are
//! names the services give at start, so the set of labels is fixed by the code.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::exposition::{Exposition, Kind};
use super::histogram::Histogram;
use super::registry::Registry;

/// The health counters of one reconnecting connection, written as the families
/// `{prefix}_up`, `{prefix}_reconnects_total` and so on. There are two, fixed at
/// compile time: [`PRIMARY`] and [`STANDBY_READS`]; the database layer says which is
/// whose.
pub struct ConnectionHealth {
    prefix: &'static str,
    /// What the connection is to, for the help texts.
    what: &'static str,
    up: AtomicBool,
    ever_connected: AtomicBool,
    reconnects: AtomicU64,
    connect_failures: AtomicU64,
    replacements: [AtomicU64; 5],
    unconfirmed_commits: AtomicU64,
}

/// The primary's connection (every write, and the reads without `READ_DATABASE_URL`).
pub static PRIMARY: ConnectionHealth = ConnectionHealth::new("userapi_database", "PostgreSQL");
/// The standby's connection for reads (`READ_DATABASE_URL`).
pub static STANDBY_READS: ConnectionHealth = ConnectionHealth::new(
    "userapi_standby_database",
    "the standby (READ_DATABASE_URL)",
);

/// Why sessions were replaced while their connection was still open: the causes the
/// database layer names.
const CAUSES: [&str; 5] = [
    "deadline",
    "read_only",
    "shutdown",
    "promoted",
    "stale_statements",
];

impl ConnectionHealth {
    const fn new(prefix: &'static str, what: &'static str) -> ConnectionHealth {
        ConnectionHealth {
            prefix,
            what,
            up: AtomicBool::new(false),
            ever_connected: AtomicBool::new(false),
            reconnects: AtomicU64::new(0),
            connect_failures: AtomicU64::new(0),
            replacements: [const { AtomicU64::new(0) }; 5],
            unconfirmed_commits: AtomicU64::new(0),
        }
    }

    /// A session is up; every connect after the first is a reconnect.
    pub fn connected(&self) {
        if self.ever_connected.swap(true, Ordering::Relaxed) {
            self.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        self.up.store(true, Ordering::Relaxed);
    }

    /// The session ended (PostgreSQL stopped, the backend was terminated, the network
    /// failed as far as keepalives can tell).
    pub fn disconnected(&self) {
        self.up.store(false, Ordering::Relaxed);
    }

    /// A session was retired and its connection closed, for `cause`: a call hit its
    /// deadline unanswered, the host stopped taking writes, or it is shutting down. An
    /// unknown cause is counted as none of them rather than panic.
    pub fn replaced(&self, cause: &str) {
        if let Some(index) = CAUSES.iter().position(|known| *known == cause) {
            self.replacements[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A write's commit was made locally but not confirmed by a synchronous standby
    /// (its wait was cancelled): answered 503, outcome unknown.
    pub fn unconfirmed_commit(&self) {
        self.unconfirmed_commits.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection attempt failed (refused, timed out, authentication, setup).
    pub fn connect_failed(&self) {
        self.connect_failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// Batch sizes as powers of two up to the batcher's cap of 256.
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

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
    PRIMARY.write(out);
    STANDBY_READS.write(out);
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

impl ConnectionHealth {
    /// This connection's families, named `{prefix}_up` and so on.
    fn write(&self, out: &mut Exposition) {
        let name = |suffix: &str| format!("{}_{suffix}", self.prefix);
        let up = if self.up.load(Ordering::Relaxed) {
            1.0
        } else {
            0.0
        };
        let help = format!("1 while the connection to {} is up, else 0.", self.what);
        out.family(&name("up"), Kind::Gauge, &help);
        out.sample(&name("up"), &[], up);
        let help = "Connections made after the first one (each follows a lost connection).";
        out.family(&name("reconnects_total"), Kind::Counter, help);
        let reconnects = self.reconnects.load(Ordering::Relaxed) as f64;
        out.sample(&name("reconnects_total"), &[], reconnects);
        out.family(
            &name("connect_failures_total"),
            Kind::Counter,
            "Connection attempts that failed.",
        );
        let failures = self.connect_failures.load(Ordering::Relaxed) as f64;
        out.sample(&name("connect_failures_total"), &[], failures);
        out.family(
            &name("replacements_total"),
            Kind::Counter,
            "Connections closed and replaced while still open, by cause: one that stopped \
             answering, a write refused as read-only (the host is no longer a primary), the \
             server shutting down, a standby-read connection whose host was promoted, \
             prepared statements that no longer fit a changed table.",
        );
        for (cause, count) in CAUSES.iter().zip(&self.replacements) {
            let count = count.load(Ordering::Relaxed) as f64;
            out.sample(&name("replacements_total"), &[("cause", cause)], count);
        }
        out.family(
            &name("unconfirmed_commits_total"),
            Kind::Counter,
            "Writes committed locally whose wait for a synchronous standby was cancelled \
             (by an operator, or at their deadline): answered 503, outcome unknown.",
        );
        let unconfirmed = self.unconfirmed_commits.load(Ordering::Relaxed) as f64;
        out.sample(&name("unconfirmed_commits_total"), &[], unconfirmed);
    }
}
