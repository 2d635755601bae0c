//! Request metrics by route template, method and status: what
//! prometheus-fastapi-instrumentator records (`http_requests_total`,
//! `http_request_duration_seconds`), stored so that recording takes no lock.
//!
//! Every label value comes from a fixed set, so no client can grow the number of series:
//! the route is a *template* (`/users/{user_id}`, never `/users/123`; the app names it,
//! and one fixed label stands for every unmatched path), the method one of HTTP's nine
//! or `OTHER`, the status one of [`STATUSES`] or its class (`4xx`). Each route's counters
//! are one array indexed by method and status, registered once (under a lock, at start)
//! and then only incremented.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::{Method, StatusCode};

use super::exposition::{Exposition, Kind};
use super::histogram::{DEFAULT_SECONDS, Histogram};
use super::registry::Registry;

/// Method labels; anything else is `OTHER` (an extension method could be any token).
const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER",
];
/// Status codes counted as themselves; any other counts as its class (`2xx`, ...).
const STATUSES: [u16; 21] = [
    200, 201, 204, 301, 304, 307, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 431, 500,
    502, 503,
];
/// `1xx` to `5xx`, then `other` for the 600-999 that `StatusCode` also allows.
const CLASSES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];
const STATUS_LABELS: usize = STATUSES.len() + CLASSES.len();

/// The counters of one route template.
pub struct RouteMetrics {
    template: String,
    /// Requests by method and status label.
    requests: Vec<[AtomicU64; STATUS_LABELS]>,
    /// Durations by method.
    durations: Vec<Histogram>,
}

/// Every route registered so far, in registration order.
static ROUTES: Registry<RouteMetrics> = Registry::new();

/// The counters of `template`, created on first use. Call at start and keep the result:
/// this takes a lock, [`RouteMetrics::record`] does not. Each template is allocated
/// once per process, however many apps ask for it.
pub fn route(template: &str) -> Arc<RouteMetrics> {
    ROUTES.child(
        |route| route.template == template,
        || RouteMetrics {
            template: template.to_string(),
            requests: METHODS
                .iter()
                .map(|_| std::array::from_fn(|_| AtomicU64::new(0)))
                .collect(),
            durations: METHODS
                .iter()
                .map(|_| Histogram::new(&DEFAULT_SECONDS, 1e9))
                .collect(),
        },
    )
}

impl RouteMetrics {
    /// Counts one answered request and its duration: two atomic additions and a
    /// histogram's two.
    pub fn record(&self, method: &Method, status: StatusCode, elapsed: Duration) {
        let method = method_index(method);
        self.requests[method][status_index(status)].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.durations[method].observe(nanos);
    }
}

fn method_index(method: &Method) -> usize {
    let name = method.as_str();
    METHODS[..METHODS.len() - 1]
        .iter()
        .position(|known| *known == name)
        .unwrap_or(METHODS.len() - 1)
}

fn status_index(status: StatusCode) -> usize {
    let code = status.as_u16();
    match STATUSES.iter().position(|known| *known == code) {
        Some(index) => index,
        None => STATUSES.len() + usize::from((code / 100).clamp(1, 6) - 1),
    }
}

fn status_label(index: usize) -> String {
    match STATUSES.get(index) {
        Some(code) => code.to_string(),
        None => CLASSES[index - STATUSES.len()].to_string(),
    }
}

/// Writes both families; series that never saw a request are left out, as
/// `prometheus_client` leaves out label sets never used.
pub fn write(out: &mut Exposition) {
    let routes = ROUTES.children();
    out.family(
        "http_requests_total",
        Kind::Counter,
        "Requests answered, by method, route template and status code.",
    );
    for route in routes.iter() {
        for (method, statuses) in METHODS.iter().zip(&route.requests) {
            for (index, count) in statuses.iter().enumerate() {
                let count = count.load(Ordering::Relaxed);
                if count > 0 {
                    let status = status_label(index);
                    let labels = [
                        ("method", *method),
                        ("route", route.template.as_str()),
                        ("status", &status),
                    ];
                    out.sample("http_requests_total", &labels, count as f64);
                }
            }
        }
    }
    out.family(
        "http_request_duration_seconds",
        Kind::Histogram,
        "Time from the request's head to the response's head, by method and route template.",
    );
    for route in routes.iter() {
        for (method, histogram) in METHODS.iter().zip(&route.durations) {
            if histogram.count() > 0 {
                let labels = [("method", *method), ("route", route.template.as_str())];
                histogram.write(out, "http_request_duration_seconds", &labels);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        assert_eq!(METHODS[method_index(&Method::GET)], "GET");
        let odd = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(METHODS[method_index(&odd)], "OTHER");
        assert_eq!(status_label(status_index(StatusCode::NOT_FOUND)), "404");
        let teapot = StatusCode::IM_A_TEAPOT;
        assert_eq!(status_label(status_index(teapot)), "4xx");
        let odd = StatusCode::from_u16(799).unwrap();
        assert_eq!(status_label(status_index(odd)), "other");
        let early = StatusCode::from_u16(103).unwrap();
        assert_eq!(status_label(status_index(early)), "1xx");
    }

    #[test]
    fn a_template_is_registered_once() {
        let first = route("/unit-test/{id}");
        let again = route("/unit-test/{id}");
        assert!(Arc::ptr_eq(&first, &again));
    }
}
