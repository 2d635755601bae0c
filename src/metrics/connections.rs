//! Open and accepted TCP connections per listener: the server's own gauges. uvicorn
//! exports none (its `--limit-concurrency` counts them privately); Prometheus users of
//! Python add them by hand or read them off the load balancer.
//!
//! The server asks for its listener's counters once, at start ([`listener`]); each
//! accepted connection then holds an [`OpenConnection`] that counts it open until the
//! connection's task ends and drops it, whichever way it ends.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::exposition::{Exposition, Kind};

pub struct ListenerMetrics {
    name: &'static str,
    open: AtomicI64,
    accepted: AtomicU64,
}

/// Counts one connection as open while it lives.
pub struct OpenConnection(&'static ListenerMetrics);

fn listeners() -> MutexGuard<'static, Vec<&'static ListenerMetrics>> {
    static LISTENERS: Mutex<Vec<&'static ListenerMetrics>> = Mutex::new(Vec::new());
    LISTENERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The counters of the listener called `name` (`api`, `admin`); created on first use.
pub fn listener(name: &'static str) -> &'static ListenerMetrics {
    let mut listeners = listeners();
    if let Some(found) = listeners.iter().find(|l| l.name == name) {
        return found;
    }
    let created: &'static ListenerMetrics = Box::leak(Box::new(ListenerMetrics {
        name,
        open: AtomicI64::new(0),
        accepted: AtomicU64::new(0),
    }));
    listeners.push(created);
    created
}

impl ListenerMetrics {
    /// Counts a connection just accepted; it stays open until the guard is dropped.
    pub fn accepted(&'static self) -> OpenConnection {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
        OpenConnection(self)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

pub fn write(out: &mut Exposition) {
    let listeners = listeners();
    out.family(
        "http_connections_open",
        Kind::Gauge,
        "TCP connections currently open, by listener.",
    );
    for listener in listeners.iter() {
        let open = listener.open.load(Ordering::Relaxed);
        out.sample(
            "http_connections_open",
            &[("listener", listener.name)],
            open as f64,
        );
    }
    out.family(
        "http_connections_accepted_total",
        Kind::Counter,
        "TCP connections accepted, by listener.",
    );
    for listener in listeners.iter() {
        let accepted = listener.accepted.load(Ordering::Relaxed);
        let labels = [("listener", listener.name)];
        out.sample("http_connections_accepted_total", &labels, accepted as f64);
    }
}
