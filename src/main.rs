//! The `userapi` binary: read settings, bind the port, connect, serve until a signal.
//!
//! The seed's equivalent is `uvicorn app.main:app --host 0.0.0.0 --port 8000`.
//! `userapi --healthcheck` instead probes a running server and exits 0 or 1: Docker's
//! health check, for an image that has no shell or curl (see `healthcheck.rs`).

use std::process::ExitCode;

use tokio::signal::unix::{SignalKind, signal};
use userapi::config::Settings;
use userapi::db::Database;
use userapi::{DATABASE_SETUP, healthcheck, server};

#[tokio::main]
async fn main() -> ExitCode {
    // `args_os`, not `args`: a non-UTF-8 argument gets the usage line, not a panic.
    if let Some(arg) = std::env::args_os().nth(1) {
        if arg == "--healthcheck" {
            return healthcheck::run().await;
        }
        eprintln!("usage: userapi [--healthcheck]  (unknown argument {arg:?})");
        return ExitCode::from(2);
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("config: {err}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match server::listen(([0, 0, 0, 0], settings.port).into()) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("server: cannot listen on port {}: {err}", settings.port);
            return ExitCode::FAILURE;
        }
    };
    // The port actually bound: with PORT=0 the kernel picks one, and whoever started
    // us (the tests do) learns it from this line.
    let port = listener
        .local_addr()
        .map_or(settings.port, |addr| addr.port());
    eprintln!(
        "server: listening on http://0.0.0.0:{port}, database {}",
        settings.describe()
    );
    let db = Database::start(settings.database, DATABASE_SETUP);
    server::run(listener, db, shutdown_signal()).await;
    ExitCode::SUCCESS
}

/// Completes on SIGTERM (`docker stop`) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(err) => {
            eprintln!("server: cannot listen for SIGTERM ({err}); Ctrl-C still works");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = terminate.recv() => eprintln!("server: SIGTERM received"),
        _ = tokio::signal::ctrl_c() => eprintln!("server: SIGINT received"),
    }
}
