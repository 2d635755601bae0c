//! The `userapi` binary: read settings, bind the port, connect, serve until a signal.
//!
//! The seed's equivalent is `uvicorn app.main:app --host 0.0.0.0 --port 8000`: the
//! server (uvicorn, here [`server::run`]) is handed the application (FastAPI's `app`,
//! here the router with the users service behind it), and this file is where the two
//! meet. With `ADMIN_PORT` set, a second [`server::run`] serves the admin app (`/live`,
//! `/ready`, `/metrics`) and outlives the API's drain, so `/ready` can say 503 during it.
//! Every line it prints while serving goes through [`logging`], which never blocks or
//! panics.
//! `userapi --healthcheck` instead probes a running server and exits 0 or 1: Docker's
//! health check, for an image that has no shell or curl (see `ops/healthcheck.rs`);
//! `userapi --help` lists the flags and the environment variables (`cli.rs`).

use std::process::ExitCode;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;
use userapi::app::{DATABASE_SETUP, UsersApp};
use userapi::cli::{self, Command};
use userapi::config::Settings;
use userapi::db::{Database, Reads, describe_database};
use userapi::logging::{self, log};
use userapi::ops::admin::{AdminApp, ShuttingDown};
use userapi::ops::healthcheck;
use userapi::server::{self, fd_limit};

/// How long the last log lines may take to reach a slow pipe before the process exits.
const LOG_FLUSH_LIMIT: Duration = Duration::from_secs(2);

/// `#[tokio::main]` wraps `main` in a runtime, like `asyncio.run(main())`, with one
/// worker thread per core.
#[tokio::main]
async fn main() -> ExitCode {
    let code = serve().await;
    logging::flush(LOG_FLUSH_LIMIT);
    code
}

async fn serve() -> ExitCode {
    // `args_os`, not `args`: a non-UTF-8 argument gets the usage, not a panic.
    match cli::parse(std::env::args_os().skip(1)) {
        Command::Serve => {}
        Command::Healthcheck => return healthcheck::run().await,
        Command::Help => {
            cli::print_help();
            return ExitCode::SUCCESS;
        }
        Command::Unknown(arg) => {
            cli::print_unknown(&arg);
            return ExitCode::from(2);
        }
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            log!("config: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Before anything opens descriptors: every connection will need one.
    match fd_limit::raise() {
        Ok(limit) => log!(
            "server: open-file limit {} (soft, was {}), {} (hard)",
            limit.soft_now,
            limit.soft_before,
            limit.hard
        ),
        Err(err) => log!("server: cannot raise the open-file limit: {err}"),
    }
    let listener = match server::listen(([0, 0, 0, 0], settings.port).into()) {
        Ok(listener) => listener,
        Err(err) => {
            log!("server: cannot listen on port {}: {err}", settings.port);
            return ExitCode::FAILURE;
        }
    };
    // The port actually bound: with PORT=0 the kernel picks one, and whoever started
    // us (the tests do) learns it from this line.
    let port = listener
        .local_addr()
        .map_or(settings.port, |addr| addr.port());
    log!(
        "server: listening on http://0.0.0.0:{port}, database {}",
        settings.describe()
    );
    let admin_listener = match settings.admin_port.map(listen_admin).transpose() {
        Ok(listener) => listener,
        Err(()) => return ExitCode::FAILURE,
    };
    let db = Database::start(settings.database, DATABASE_SETUP);
    // Opt-in: a second connection, to a standby, for the read routes. Without it the
    // one connection above serves everything (README, "Reads from standbys").
    let reads = match settings.read_database {
        Some(read_database) => {
            log!(
                "server: reads from {} where it is fresh enough, else from the primary",
                describe_database(&read_database.postgres)
            );
            Reads::with_standby(
                db.clone(),
                Database::start_standby(read_database, DATABASE_SETUP),
            )
        }
        None => Reads::primary_only(db.clone()),
    };
    let shutting_down = ShuttingDown::default();
    let (stop_admin, admin_stop) = oneshot::channel::<()>();
    let admin_server = admin_listener.map(|listener| {
        let admin = AdminApp::new(db.clone(), shutting_down.clone());
        tokio::spawn(server::run(listener, admin, async {
            let _ = admin_stop.await;
        }))
    });
    // On the signal, `/ready` turns 503 first; then the API stops accepting and drains.
    let api_shutdown = async move {
        shutdown_signal().await;
        shutting_down.begin();
    };
    server::run(listener, UsersApp::with_reads(db, reads), api_shutdown).await;
    // The admin port goes last: it answered "shutting down" throughout the drain.
    let _ = stop_admin.send(());
    if let Some(admin_server) = admin_server {
        let _ = admin_server.await;
    }
    ExitCode::SUCCESS
}

/// Binds the admin port (`ADMIN_PORT`) on all interfaces, as the API's, and says where.
fn listen_admin(port: u16) -> Result<TcpListener, ()> {
    let listener = server::listen(([0, 0, 0, 0], port).into())
        .map_err(|err| log!("admin: cannot listen on port {port}: {err}"))?;
    let port = listener.local_addr().map_or(port, |addr| addr.port());
    log!("admin: listening on http://0.0.0.0:{port} (/live, /ready, /metrics)");
    Ok(listener)
}

/// Completes on SIGTERM (`docker stop`) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(err) => {
            log!("server: cannot listen for SIGTERM ({err}); Ctrl-C still works");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = terminate.recv() => log!("server: SIGTERM received"),
        _ = tokio::signal::ctrl_c() => log!("server: SIGINT received"),
    }
}
