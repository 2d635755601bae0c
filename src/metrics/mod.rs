//! Metrics for Prometheus, written by hand: what `prometheus_client` (the registry and
//! the text format) and prometheus-fastapi-instrumentator (the per-request middleware)
//! did for a FastAPI service.
//!
//! Recording is one or two relaxed atomic additions on counters that were registered at
//! start, so the request path takes no lock and allocates nothing; [`render`] reads them
//! all when `/metrics` is scraped. Like `prometheus_client`'s default `REGISTRY`, the
//! counters are process-wide: whoever records (the app, the server, the database layer)
//! needs no handle passed down to it, and this module depends on none of them. Label
//! values are bounded by construction: route templates, a fixed set of methods and
//! statuses, listener and statement names that are constants in the code.
//!
//! | family | recorded by |
//! | --- | --- |
//! | `http_requests_total`, `http_request_duration_seconds` | the app ([`http`]) |
//! | `http_connections_open`, `http_connections_accepted_total` | the server ([`connections`]) |
//! | `userapi_database_*` | the supervisor and the batchers ([`database`]) |
//! | `userapi_reads_total`, `userapi_read_fallbacks_total` | the database layer's reads, per request ([`reads`]) |
//! | `userapi_log_lines_dropped_total` | the log writer (read here) |
//! | `process_*` | `/proc`, read here ([`process`]) |
//!
//! Inside, top to bottom: [`http`], [`connections`], [`database`], [`reads`],
//! [`process`] → [`histogram`] → [`exposition`], [`registry`].

pub mod connections;
pub mod database;
pub mod exposition;
pub mod histogram;
pub mod http;
pub mod process;
pub mod reads;
pub mod registry;

use exposition::{Exposition, Kind};

/// The whole exposition, as `/metrics` sends it.
pub fn render() -> String {
    let mut out = Exposition::default();
    http::write(&mut out);
    connections::write(&mut out);
    database::write(&mut out);
    reads::write(&mut out);
    out.family(
        "userapi_log_lines_dropped_total",
        Kind::Counter,
        "Log lines thrown away because the stream did not keep up, by stream (stdout is the access log).",
    );
    let streams = [
        ("stdout", crate::logging::stdout()),
        ("stderr", crate::logging::stderr()),
    ];
    for (name, stream) in streams {
        let dropped = stream.dropped() as f64;
        out.sample(
            "userapi_log_lines_dropped_total",
            &[("stream", name)],
            dropped,
        );
    }
    process::write(&mut out);
    out.finish()
}
