//! Bounded resources, issue 11: what the server holds is decided by its own limits,
//! never by a client that stops reading, a log pipe nobody drains, a body sent a byte
//! at a time, or a client repeating a taken email.
//!
//! Most tests drive the real binary (a child process, [`ServerProcess`]), because what
//! they check belongs to a process: its stdout, its file-descriptor limit, its peak
//! memory. Figures go to `target/tmp/reliability-figures.txt` (docs/reliability.md).
//! The tests that measure take turns ([`SERIAL`]) so they measure the server, not
//! each other.

#[path = "../support/mod.rs"]
mod support;

mod chunked_bodies;
mod file_descriptors;
mod id_sequence;
mod log_pipe;
mod write_stall;

use support::process::{Options, ServerProcess};

/// One measuring test at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The real binary on a fresh database of the shared PostgreSQL.
async fn server_with(options: Options) -> (support::TestApp, ServerProcess) {
    // A TestApp owns (creates and later drops) the database; its in-process server is
    // not used by these tests.
    let app = support::TestApp::spawn().await;
    // The in-process server has created the table: the binary's `CREATE TABLE IF NOT
    // EXISTS` will not race it (two at once can fail with a pg_type unique violation).
    assert_eq!(app.get("/users/0").await.status, 404);
    let server = ServerProcess::start_with(&app.database, "unused", options);
    (app, server)
}

/// The server's output once it contains `needle` (log lines reach the pipe a few
/// milliseconds after the event); panics after 5 s.
async fn output_with(server: &ServerProcess, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let output = server.output();
        if output.contains(needle) {
            return output;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {needle:?} in the server's output:\n{output}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
