//! The admin paths exist only on the admin port: the API port answers them 404 as the
//! reference does, and the admin port knows nothing of the API's paths.

use super::metrics::server;
use super::support::http;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_port_answers_404_for_the_admin_paths_and_vice_versa() {
    let (_database, server) = server().await;
    for path in ["/live", "/ready", "/metrics", "/metrics/"] {
        let response = http::send(server.addr, "GET", path, &[], b"").await;
        assert_eq!(response.status, 404, "API port, {path}");
        assert_eq!(response.json(), serde_json::json!({"detail": "Not Found"}));
    }
    for path in ["/", "/users", "/docs", "/metricsx"] {
        let response = http::send(server.admin(), "GET", path, &[], b"").await;
        assert_eq!(response.status, 404, "admin port, {path}");
    }
    let post = http::send(server.admin(), "POST", "/ready", &[], b"").await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET"));
}
