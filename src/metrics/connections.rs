//! Open and accepted TCP connections per listener: the server's own gauges. uvicorn
//! exports none (its `--limit-concurrency` counts them privately); Prometheus users of
//! Python add them by hand or read them off the load balancer.
//!
//! The server asks for its listener's counters once, at start ([`listener`]); each
//! accepted connection then holds an [`OpenConnection`] that counts it open until the
//! connection's task ends and drops it, whichever way it ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::exposition::{Exposition, Kind};
use super::registry::Registry;

pub struct ListenerMetrics {
    name: &'static str,
    open: AtomicI64,
    accepted: AtomicU64,
}

/// Counts one connection as open while it lives.
pub struct OpenConnection(Arc<ListenerMetrics>);

static LISTENERS: Registry<ListenerMetrics> = Registry::new();

/// The counters of the listener called `name` (`api`, `admin`); created on first use.
pub fn listener(name: &'static str) -> Arc<ListenerMetrics> {
    LISTENERS.child(
        |listener| listener.name == name,
        || ListenerMetrics {
            name,
            open: AtomicI64::new(0),
            accepted: AtomicU64::new(0),
        },
    )
}

impl ListenerMetrics {
    /// Counts a connection just accepted; it stays open until the guard is dropped.
    pub fn accepted(self: &Arc<Self>) -> OpenConnection {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
        OpenConnection(Arc::clone(self))
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

pub fn write(out: &mut Exposition) {
    let listeners = LISTENERS.children();
    type Read = fn(&ListenerMetrics) -> f64;
    let families: [(&str, Kind, &str, Read); 2] = [
        (
            "http_connections_open",
            Kind::Gauge,
            "TCP connections currently open, by listener.",
            |l| l.open.load(Ordering::Relaxed) as f64,
        ),
        (
            "http_connections_accepted_total",
            Kind::Counter,
            "TCP connections accepted, by listener.",
            |l| l.accepted.load(Ordering::Relaxed) as f64,
        ),
    ];
    for (name, kind, help, read) in families {
        out.family(name, kind, help);
        for listener in &listeners {
            out.sample(name, &[("listener", listener.name)], read(listener));
        }
    }
}
