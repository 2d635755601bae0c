//! Hostile input, issue 5: slow clients, oversized and malformed requests, hostile
//! JSON and path ids, SQL metacharacters, thousands of idle connections, and a property
//! test of random requests, all against the real server (`server::run` in this
//! process) and a real PostgreSQL. After each, the server must still be healthy.
//!
//! Measurements are printed as `figure:` lines:
//! `cargo test --test reliability_input -- --nocapture` shows them.

#[path = "../support/mod.rs"]
mod support;

mod bodies;
mod fuzz;
mod json_inputs;
mod malformed;
mod path_ids;
mod slow_clients;
mod sql_hygiene;

use support::TestApp;

/// The server still answers, with the database, after whatever a test did to it.
async fn assert_healthy(app: &TestApp) {
    assert_eq!(app.get("/").await.status, 200, "GET / after the attack");
    let users = app.get("/users").await;
    assert_eq!(
        users.status,
        200,
        "GET /users after the attack: {}",
        users.text()
    );
}
