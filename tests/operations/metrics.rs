//! `/metrics`: accepted by a real Prometheus parser, counting exactly the requests sent,
//! by route template, with every family the issue lists.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::prometheus::{self, Sample, value};
use super::support::process::ServerProcess;
use super::support::{TestDatabase, http};
use super::until_status;

/// A server binary with the admin port on a fresh database, connected.
pub(super) async fn server() -> (TestDatabase, ServerProcess) {
    let database = TestDatabase::create().await;
    let server = ServerProcess::start_with_admin(&database.config);
    until_status(server.admin(), "/ready", 200, Duration::from_secs(10)).await;
    (database, server)
}

pub(super) async fn scrape(server: &ServerProcess) -> Vec<Sample> {
    let response = http::send(server.admin(), "GET", "/metrics", &[], b"").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    prometheus::parse(&response.text())
}

fn requests(samples: &[Sample], method: &str, route: &str, status: &str) -> f64 {
    let labels = [("method", method), ("route", route), ("status", status)];
    value(samples, "http_requests_total", &labels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_count_each_request_by_route_template() {
    let (_database, server) = server().await;
    let api = server.addr;
    let json = [("Content-Type", "application/json")];
    let body = br#"{"name":"Metered","email":"metered@ops.test","age":30}"#;
    let created = http::send(api, "POST", "/users", &json, body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_i64().expect("an id");
    let before = scrape(&server).await;

    for _ in 0..3 {
        let found = http::send(api, "GET", &format!("/users/{id}"), &[], b"").await;
        assert_eq!(found.status, 200);
    }
    for path in ["/users/999999", "/users/999998/"] {
        assert_eq!(http::send(api, "GET", path, &[], b"").await.status, 404);
    }
    assert_eq!(
        http::send(api, "GET", "/users/abc", &[], b"").await.status,
        422
    );
    assert_eq!(
        http::send(api, "GET", "/nowhere", &[], b"").await.status,
        404
    );
    assert_eq!(
        http::send(api, "DELETE", "/users", &[], b"").await.status,
        405
    );
    assert_eq!(http::send(api, "GET", "/", &[], b"").await.status, 200);
    let after = scrape(&server).await;

    let moved = |method, route, status| {
        requests(&after, method, route, status) - requests(&before, method, route, status)
    };
    assert_eq!(moved("GET", "/users/{user_id}", "200"), 3.0);
    assert_eq!(moved("GET", "/users/{user_id}", "404"), 2.0);
    assert_eq!(moved("GET", "/users/{user_id}", "422"), 1.0);
    assert_eq!(moved("GET", "other", "404"), 1.0);
    assert_eq!(moved("DELETE", "/users", "405"), 1.0);
    assert_eq!(moved("GET", "/", "200"), 1.0);
    assert_eq!(moved("POST", "/users", "201"), 0.0);
    assert_eq!(requests(&after, "POST", "/users", "201"), 1.0);
    // Never the raw path, and the admin port's own requests are not the API's.
    let routes: BTreeSet<&str> = after
        .iter()
        .filter_map(|s| s.labels.get("route").map(String::as_str))
        .collect();
    assert!(
        routes.iter().all(|r| !r.contains(&id.to_string())),
        "{routes:?}"
    );
    assert!(!routes.contains("/metrics"), "{routes:?}");
    let durations = "http_request_duration_seconds_count";
    let lookups = [("method", "GET"), ("route", "/users/{user_id}")];
    assert_eq!(
        value(&after, durations, &lookups) - value(&before, durations, &lookups),
        6.0
    );
    let inf = [
        ("method", "GET"),
        ("route", "/users/{user_id}"),
        ("le", "+Inf"),
    ];
    assert_eq!(
        value(&after, "http_request_duration_seconds_bucket", &inf),
        value(&after, durations, &lookups)
    );

    // Every other family the issue asks for, with plausible values.
    let families: BTreeSet<&str> = after.iter().map(|s| s.family.as_str()).collect();
    let kind_of = |family: &str| {
        after
            .iter()
            .find(|s| s.family == family)
            .map(|s| s.kind.clone())
    };
    assert_eq!(kind_of("http_requests").as_deref(), Some("counter"));
    assert_eq!(
        kind_of("http_request_duration_seconds").as_deref(),
        Some("histogram")
    );
    assert_eq!(
        kind_of("process_resident_memory_bytes").as_deref(),
        Some("gauge")
    );
    for family in [
        "http_connections_open",
        "http_connections_accepted",
        "userapi_database_up",
        "userapi_database_reconnects",
        "userapi_database_batch_size",
        "userapi_log_lines_dropped",
        "process_cpu_seconds",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_start_time_seconds",
    ] {
        assert!(
            families.contains(family),
            "{family} missing from {families:?}"
        );
    }
    let accepted = "http_connections_accepted_total";
    let api_label = [("listener", "api")];
    // One connection per request above (each `send` closes its own).
    assert_eq!(
        value(&after, accepted, &api_label) - value(&before, accepted, &api_label),
        9.0
    );
    // This scrape's own connection is the admin listener's open one.
    assert!(value(&after, "http_connections_open", &[("listener", "admin")]) >= 1.0);
    assert_eq!(value(&after, "userapi_database_up", &[]), 1.0);
    assert_eq!(value(&after, "userapi_database_reconnects_total", &[]), 0.0);
    let finds = [("statement", "find")];
    let find_count = value(&after, "userapi_database_batch_size_count", &finds);
    // 5 look-ups went to the database (`abc` is refused before), in 5 batches of one.
    assert_eq!(
        find_count - value(&before, "userapi_database_batch_size_count", &finds),
        5.0
    );
    // Without READ_DATABASE_URL every read is the primary's, and none fell back.
    let on = |connection| [("connection", connection)];
    let primary_reads = value(&after, "userapi_reads_total", &on("primary"));
    assert!(primary_reads - value(&before, "userapi_reads_total", &on("primary")) >= 5.0);
    assert_eq!(value(&after, "userapi_reads_total", &on("standby")), 0.0);
    let not_found = [("cause", "not_found")];
    assert_eq!(
        value(&after, "userapi_read_fallbacks_total", &not_found),
        0.0
    );
    assert_eq!(value(&after, "userapi_standby_database_up", &[]), 0.0);
    let creates = [("statement", "create")];
    assert_eq!(
        value(&after, "userapi_database_batch_size_sum", &creates),
        1.0
    );
    let stdout = [("stream", "stdout")];
    assert_eq!(
        value(&after, "userapi_log_lines_dropped_total", &stdout),
        0.0
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let started = value(&after, "process_start_time_seconds", &[]);
    assert!(
        started <= now + 1.0 && started > now - 120.0,
        "started {started}, now {now}"
    );
    assert!(value(&after, "process_resident_memory_bytes", &[]) > 1e6);
    assert!(value(&after, "process_open_fds", &[]) >= 5.0);
    assert!(value(&after, "process_cpu_seconds_total", &[]) >= 0.0);
}
