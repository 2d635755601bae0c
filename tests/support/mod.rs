//! What every integration test stands on: a real PostgreSQL and the real server.
//!
//! PostgreSQL is `DATABASE_URL` when it is set, otherwise one throwaway [`Cluster`]
//! (server binaries, or a Docker container) started once per test binary. Each [`TestApp`] gets a database of its own (created
//! here, dropped when the app is dropped), so tests run in parallel without seeing each
//! other's users. The server is the production `server::run` on 127.0.0.1:0, stopped
//! through the same shutdown future `main` gives it.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod child_setup;
pub mod cluster;
pub mod http;
mod postgres_binaries;
mod postgres_container;
mod postgres_exit;
mod postgres_host;
mod postgres_standby;
pub mod process;
mod process_resources;
mod server_log;
pub mod tls_certs;

use std::io::Write;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, Config, NoTls};
use userapi::app::UsersApp;
use userapi::db::{Database, Reads};
use userapi::server;
use userapi::services::user_service::UserService;

pub use cluster::Cluster;
pub use http::Response;

const NO_POSTGRES: &str = "\
The integration tests need a real PostgreSQL, and none was found. Either
  * install the server binaries (Debian/Ubuntu: `sudo apt-get install postgresql`); the
    tests look on PATH and in /usr/lib/postgresql/*/bin and start a throwaway cluster, or
  * install Docker: the tests then run a throwaway `postgres:15` container, or
  * point DATABASE_URL at a server where this user may CREATE DATABASE, e.g.
    DATABASE_URL=postgres://postgres:password@127.0.0.1:5432/postgres cargo test";

/// The connection settings of the PostgreSQL every test of this binary shares.
pub fn shared_postgres() -> Config {
    static SHARED: OnceLock<Result<(Option<Cluster>, Config), String>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) => Config::from_str(&url)
            .map(|config| (None, config))
            .map_err(|e| format!("DATABASE_URL is not a valid connection string: {e}")),
        Err(_) => Cluster::start().map(|cluster| {
            let config = cluster.config();
            (Some(cluster), config)
        }),
    });
    match shared {
        Ok((_, config)) => config.clone(),
        Err(reason) => panic!("{reason}\n\n{NO_POSTGRES}"),
    }
}

/// Prints a measurement as a `figure:` line and appends it to
/// `target/tmp/reliability-figures.txt`, which CI prints after the tests and
/// docs/reliability.md quotes.
pub fn figure(text: &str) {
    eprintln!("figure: {text}");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reliability-figures.txt");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path);
    if let Ok(mut file) = file {
        let _ = writeln!(file, "{text}");
    }
}

/// A cluster for this test alone, for tests that stop and start PostgreSQL.
pub fn own_cluster() -> Cluster {
    Cluster::start().unwrap_or_else(|reason| panic!("{reason}\n\n{NO_POSTGRES}"))
}

/// Connects with a plain client of the tests' own (not the server's).
pub async fn connect(config: &Config) -> Client {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to PostgreSQL for the test: {e}"));
    tokio::spawn(connection);
    client
}

/// Terminates the server's backends on the database of `config` (`pg_terminate_backend`,
/// as an administrator or a crashed backend would end them); returns how many there were.
pub async fn terminate_server_backends(config: &Config) -> i64 {
    let admin = connect(config).await;
    let terminated = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'userapi'",
            &[],
        )
        .await
        .expect("terminate the server's backend");
    terminated.get(0)
}

/// A running server on a database of its own.
pub struct TestApp {
    pub addr: SocketAddr,
    /// This app's database, for checking rows behind the API's back.
    pub database: Config,
    /// The database this app created (dropped with the app).
    owned_database: Option<TestDatabase>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl TestApp {
    /// A server on a fresh, empty database of the shared PostgreSQL.
    pub async fn spawn() -> TestApp {
        let database = TestDatabase::create().await;
        let mut app = TestApp::start(database.config.clone()).await;
        app.owned_database = Some(database);
        app
    }

    /// A server whose connection is configured by `config` (which may point nowhere).
    pub async fn start(config: Config) -> TestApp {
        let listener = server::listen(([127, 0, 0, 1], 0).into()).expect("bind port 0");
        let addr = listener.local_addr().expect("local address");
        let (shutdown, stop) = oneshot::channel::<()>();
        // Wired as `main` wires it, without the opt-in parts.
        let db = Database::start(config.clone(), UserService::DATABASE_SETUP);
        let users = UserService::start(db.clone(), Reads::primary_only(db));
        let server = tokio::spawn(server::run(listener, UsersApp::new(users), async {
            let _ = stop.await;
        }));
        TestApp {
            addr,
            database: config,
            owned_database: None,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        http::send(self.addr, "GET", path, &[], b"").await
    }

    pub async fn post_json(&self, path: &str, body: &str) -> Response {
        let json = [("Content-Type", "application/json")];
        http::send(self.addr, "POST", path, &json, body.as_bytes()).await
    }

    /// Creates a user through the API and returns its id.
    pub async fn create_user(&self, name: &str, email: &str, age: i32) -> i64 {
        let body = serde_json::json!({"name": name, "email": email, "age": age});
        let response = self.post_json("/users", &body.to_string()).await;
        assert_eq!(response.status, 201, "{}", response.text());
        response.json()["id"].as_i64().expect("an integer id")
    }

    /// Sends the shutdown signal and waits for the server to drain and return.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// A fresh, empty database on the shared PostgreSQL, dropped with this value: for a
/// test that runs the server binary ([`process::ServerProcess`]) rather than a
/// [`TestApp`].
pub struct TestDatabase {
    pub config: Config,
    maintenance: Config,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let maintenance = shared_postgres();
        let name = format!(
            "userapi_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = connect(&maintenance).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let mut config = maintenance.clone();
        config.dbname(&name);
        TestDatabase {
            config,
            maintenance,
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let maintenance = self.maintenance.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on itself: use a
        // short-lived thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            runtime.expect("a runtime").block_on(async {
                let admin = connect(&maintenance).await;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                admin.batch_execute(&sql).await
            })
        });
        if let Ok(Err(err)) = dropped.join() {
            eprintln!("test cleanup: could not drop a test database: {err}");
        }
    }
}
