//! Label values of `/metrics` stay within fixed sets, whatever paths and methods clients
//! send: a fuzz of random requests must not add a series per path.

use super::metrics::{scrape, server};
use super::prometheus::Sample;
use super::support::http;

/// Label values stay within fixed sets whatever paths and methods clients send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_paths_and_methods_do_not_grow_the_label_sets() {
    let (_database, server) = server().await;
    let before = scrape(&server).await;
    // No HEAD: its answer has a Content-Length but no body, which the test client would wait for.
    let methods = [
        "GET", "POST", "PUT", "BREW", "X-CUSTOM", "DELETE", "OPTIONS",
    ];
    let mut seed: u64 = 0x5eed_1234;
    let mut next = || {
        // xorshift: reproducible, and enough for paths.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const SENT: usize = 300;
    let mut connection = http::Connection::open(server.addr).await.expect("connect");
    for _ in 0..SENT {
        let segments = next() % 4;
        let mut path = String::new();
        for _ in 0..=segments {
            let kind = next() % 4;
            let segment = match kind {
                0 => "users".to_string(),
                1 => (next() % 100_000).to_string(),
                2 => format!("%{:02X}x{}", next() % 256, next() % 1000),
                _ => format!("p{}", next()),
            };
            path.push('/');
            path.push_str(&segment);
        }
        let method = methods[(next() % methods.len() as u64) as usize];
        let response = connection
            .send(method, &path, &[], b"")
            .await
            .expect("an answer");
        assert!(
            response.status < 500,
            "{method} {path}: {}",
            response.status
        );
    }
    let after = scrape(&server).await;

    let allowed_routes = [
        "/",
        "/users",
        "/users/{user_id}",
        "/openapi.json",
        "/docs",
        "/redoc",
        "/docs/oauth2-redirect",
        "other",
    ];
    let allowed_methods = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER",
    ];
    let series: Vec<&Sample> = after
        .iter()
        .filter(|s| s.name == "http_requests_total")
        .collect();
    for sample in &series {
        let route = &sample.labels["route"];
        let method = &sample.labels["method"];
        let status = &sample.labels["status"];
        assert!(allowed_routes.contains(&route.as_str()), "route {route}");
        assert!(
            allowed_methods.contains(&method.as_str()),
            "method {method}"
        );
        assert!(status.len() == 3 && status.parse::<u16>().is_ok() || status.ends_with("xx"));
    }
    let total = |samples: &[Sample]| -> f64 {
        samples
            .iter()
            .filter(|s| s.name == "http_requests_total")
            .map(|s| s.value)
            .sum()
    };
    assert_eq!(total(&after) - total(&before), SENT as f64);
    // 8 route labels x 10 methods x a few statuses at most; the fuzz reaches far fewer.
    assert!(series.len() <= 60, "{} series", series.len());
    super::support::figure(&format!(
        "metrics fuzz: {SENT} random requests made {} http_requests_total series",
        series.len()
    ));
}
