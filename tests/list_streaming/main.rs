//! `GET /users` at size: the list streamed in keyset pages, which lists go whole and
//! which chunked, `?skip=&limit=` and their 422s, ids anywhere in INTEGER (`lists.rs`); a database outage mid-list seen by real
//! clients as a broken response, and a client that stops reading holding up nobody
//! (`backpressure.rs`); pages shared between listings, never with one that began
//! after they were read (`sharing.rs`). The helpers below seed and read the table behind the API.

#[path = "../support/mod.rs"]
mod support;

mod backpressure;
mod lists;
mod sharing;

use std::net::SocketAddr;

use serde::Serialize;
use support::{TestApp, http};
use tokio_postgres::Client;

/// The seed's `UserResponse`, for the test's own serialisation of the table.
#[derive(Serialize)]
pub struct User {
    id: i32,
    name: String,
    email: String,
    age: Option<i32>,
}

/// A server and a client of the test's own on its database, once the server has
/// connected and so made the table (a look-up that reached PostgreSQL: 404, not 503).
pub async fn app_with_table() -> (TestApp, Client) {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/users/1").await.status,
        404,
        "the server is connected"
    );
    let db = support::connect(&app.database).await;
    (app, db)
}

/// `count` users with ids from the sequence (1, 2, ...).
pub async fn seed(db: &Client, count: i64) {
    db.execute(
        "INSERT INTO users (name, email, age) \
         SELECT 'User ' || g, 'user' || g || '@example.com', g % 90 FROM generate_series(1, $1::int8) g",
        &[&count],
    )
    .await
    .expect("seed users");
}

/// What the list must be: `SELECT ... ORDER BY id`, serialised compactly.
pub async fn expected_list(db: &Client) -> Vec<User> {
    let rows = db
        .query("SELECT id, name, email, age FROM users ORDER BY id", &[])
        .await
        .expect("read the table");
    rows.iter()
        .map(|row| User {
            id: row.get(0),
            name: row.get(1),
            email: row.get(2),
            age: row.get(3),
        })
        .collect()
}

/// Sends `GET path` and returns the raw answer, up to the server closing the connection.
pub async fn raw_get(addr: SocketAddr, path: &str) -> Vec<u8> {
    let request = http::request("GET", path, &[("Connection", "close")], b"");
    http::exchange(addr, &request).await
}
