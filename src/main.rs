//! The `userapi` binary: read settings, bind the port, start the database link, serve
//! until a signal. `main` is the one place where the concrete parts are put together.
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
use tokio::task::JoinHandle;
use userapi::app::UsersApp;
use userapi::cli::{self, Command};
use userapi::config::Settings;
use userapi::db::{ConnectSettings, Database, Reads, describe_database};
use userapi::logging::{self, log};
use userapi::ops::admin::{AdminApp, ShuttingDown};
use userapi::ops::healthcheck;
use userapi::server::{self, fd_limit};
use userapi::services::user_service::UserService;

/// How long the last log lines may take to reach a slow pipe before the process exits.
const LOG_FLUSH_LIMIT: Duration = Duration::from_secs(2);

/// `#[tokio::main]` wraps `main` in a runtime, like `asyncio.run(main())`, with one
/// worker thread per core.
#[tokio::main]
async fn main() -> ExitCode {
    // `args_os`, not `args`: a non-UTF-8 argument gets the usage, not a panic.
    let code = match cli::parse(std::env::args_os().skip(1)) {
        Command::Serve => serve().await,
        Command::Healthcheck => healthcheck::run().await,
        Command::Help => {
            cli::print_help();
            ExitCode::SUCCESS
        }
        Command::Unknown(arg) => {
            cli::print_unknown(&arg);
            ExitCode::from(2)
        }
    };
    logging::flush(LOG_FLUSH_LIMIT);
    code
}

/// The seed's `main.py` and `uvicorn app.main:app --port 8000`, in order: settings,
/// the port, the database, the app, and serving it until a signal.
async fn serve() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            // A name with `!` is a macro: code the compiler writes out where it is
            // called (`log!` a line to stderr, like `format!`'s f-string or `json!`).
            log!("config: {err}");
            return ExitCode::FAILURE;
        }
    };
    raise_open_file_limit();
    // `let … else`: take the value apart if it has this shape, else leave (Python:
    // `bound = bind(...)`, then `if bound is None: return`).
    let Some((listener, port)) = bind("server", settings.port) else {
        return ExitCode::FAILURE;
    };
    // Whoever started us learns the port from this line (with PORT=0, the tests do).
    log!(
        "server: listening on http://0.0.0.0:{port}, database {}",
        settings.describe()
    );
    // Opt-in (`ADMIN_PORT`): `None` when unset; a port set that cannot be bound
    // (`Some(None)`) stops us, as the API's would. `Option::map` calls `bind` only on a
    // value (`None` stays `None`); `flatten` makes the `Option<Option<_>>` one.
    let admin_port = match settings.admin_port.map(AdminPort::bind) {
        Some(None) => return ExitCode::FAILURE,
        bound => bound.flatten(),
    };
    // Returns at once: the connection is made (and remade) by a task of its own.
    let db = Database::start(settings.database, UserService::DATABASE_SETUP);
    let reads = standby_reads(&db, settings.read_database);
    let app = UsersApp::new(UserService::start(db.clone(), reads));
    let admin = admin_port.map(|port| port.serve(db));
    server::run(listener, app, shutdown_signal(admin.as_ref())).await;
    if let Some(admin) = admin {
        admin.stop().await;
    }
    ExitCode::SUCCESS
}

/// Before anything opens descriptors: every connection will need one.
fn raise_open_file_limit() {
    match fd_limit::raise() {
        Ok(limit) => log!(
            "server: open-file limit {} (soft, was {}), {} (hard)",
            limit.soft_now,
            limit.soft_before,
            limit.hard
        ),
        Err(err) => log!("server: cannot raise the open-file limit: {err}"),
    }
}

/// Binds `port` on all interfaces (`uvicorn --host 0.0.0.0`); the port actually bound
/// (with 0 the kernel picks one). `None`, said in the log, if it cannot.
fn bind(name: &str, port: u16) -> Option<(TcpListener, u16)> {
    match server::listen(([0, 0, 0, 0], port).into()) {
        Ok(listener) => {
            let bound = listener.local_addr().map_or(port, |addr| addr.port());
            Some((listener, bound))
        }
        Err(err) => {
            log!("{name}: cannot listen on port {port}: {err}");
            None
        }
    }
}

/// Opt-in (`READ_DATABASE_URL`): a second link, to a standby, for the read routes.
/// Without it the primary's one connection serves everything (docs/standby-reads.md).
fn standby_reads(db: &Database, standby: Option<ConnectSettings>) -> Reads {
    // The `standby` bound inside `Some` shadows the parameter: a new name for the
    // unwrapped value (a new type too), not a change to the old one.
    let Some(standby) = standby else {
        return Reads::primary_only(db.clone());
    };
    log!(
        "server: reads from {} where it is fresh enough, else from the primary",
        describe_database(&standby.postgres)
    );
    let standby = Reads::start_standby(standby, UserService::DATABASE_SETUP);
    Reads::with_standby(db.clone(), standby)
}

/// Opt-in (`ADMIN_PORT`): a second [`server::run`] for the admin app (`/live`,
/// `/ready`, `/metrics`). It outlives the API's drain, so `/ready` says 503 during it.
struct AdminPort {
    listener: TcpListener,
}

/// The admin server running, and how to tell it the API is stopping.
struct AdminServer {
    shutting_down: ShuttingDown,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl AdminPort {
    fn bind(port: u16) -> Option<AdminPort> {
        let (listener, port) = bind("admin", port)?;
        log!("admin: listening on http://0.0.0.0:{port} (/live, /ready, /metrics)");
        Some(AdminPort { listener })
    }

    fn serve(self, db: Database) -> AdminServer {
        let shutting_down = ShuttingDown::default();
        let admin = AdminApp::new(db, shutting_down.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(self.listener, admin, async {
            let _ = stopped.await;
        }));
        AdminServer {
            shutting_down,
            stop,
            task,
        }
    }
}

impl AdminServer {
    /// The admin port goes last: it answered "shutting down" throughout the drain.
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Completes on SIGTERM (`docker stop`) or SIGINT (Ctrl-C); `/ready` turns 503 first,
/// then the API stops accepting and drains.
async fn shutdown_signal(admin: Option<&AdminServer>) {
    let shutting_down = admin.map(|admin| admin.shutting_down.clone());
    signal_received().await;
    if let Some(shutting_down) = shutting_down {
        shutting_down.begin();
    }
}

async fn signal_received() {
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
