//! The container's health probe (`userapi --healthcheck`, every 5 s in Compose) stays
//! out of the access log, and only it: a plain `GET /` is logged, and so is a request
//! that borrows the probe's User-Agent but fails.

use std::process::Command;
use std::time::{Duration, Instant};

use super::support::process::ServerProcess;
use super::support::{self, http};

#[tokio::test]
async fn the_health_probe_is_not_in_the_access_log_but_clients_are() {
    let server = ServerProcess::start(&support::shared_postgres(), "unused");
    let probe = Command::new(env!("CARGO_BIN_EXE_userapi"))
        .arg("--healthcheck")
        .env("PORT", server.addr.port().to_string())
        .output()
        .expect("run userapi --healthcheck");
    assert!(probe.status.success(), "probe failed: {probe:?}");

    let agent = [("User-Agent", "userapi-healthcheck")];
    let failing = http::send(server.addr, "GET", "/not-the-probe", &agent, b"").await;
    assert_eq!(failing.status, 404);
    let plain = http::send(server.addr, "GET", "/", &[], b"").await;
    assert_eq!(plain.status, 200);
    // The log writer keeps the order of the requests: once this line is out, the lines
    // of every request before it are out too (or were never written).
    let marker = http::send(server.addr, "GET", "/marker", &[], b"").await;
    assert_eq!(marker.status, 404);
    let started = Instant::now();
    while !server.output().contains("GET /marker 404") {
        assert!(started.elapsed() < Duration::from_secs(5), "no marker line");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let output = server.output();
    let roots = output
        .lines()
        .filter(|l| l.starts_with("GET / 200"))
        .count();
    assert_eq!(roots, 1, "only the plain GET / is logged:\n{output}");
    assert!(
        output.contains("GET /not-the-probe 404"),
        "a failing request with the probe's agent is logged:\n{output}"
    );
}
