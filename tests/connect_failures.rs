//! Connect failures that say why, issue 13: for each cause the real server binary's log
//! line names it in plain words (the TLS causes are in tests/tls.rs), and never shows
//! the password, which every server here gets as a canary.

mod support;

use std::time::{Duration, Instant};

use support::process::ServerProcess;
use tokio_postgres::config::Host;

/// How long a server may take to log why it cannot connect.
const LOG_LIMIT: Duration = Duration::from_secs(20);

fn canary_password() -> String {
    format!("canary-pw-{}-q3", std::process::id())
}

/// Waits for the server's first "cannot connect" line and returns it, having checked
/// that nothing it printed holds the password.
fn failure_line(server: &ServerProcess) -> String {
    let started = Instant::now();
    loop {
        let output = server.output();
        if let Some(line) = output.lines().find(|l| l.contains("cannot connect")) {
            assert!(
                !output.contains(&canary_password()),
                "password logged:\n{output}"
            );
            return line.to_string();
        }
        assert!(
            started.elapsed() < LOG_LIMIT,
            "no 'cannot connect' line after {LOG_LIMIT:?}:\n{output}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The shared test PostgreSQL's settings with one thing changed. (Built afresh:
/// tokio-postgres's `host()` and `port()` add to a list rather than replace.)
fn settings(change: impl FnOnce(&mut Target)) -> tokio_postgres::Config {
    let shared = support::shared_postgres();
    let mut target = Target {
        host: match shared.get_hosts().first() {
            Some(Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".into(),
        },
        port: shared.get_ports().first().copied().unwrap_or(5432),
        dbname: shared.get_dbname().unwrap_or("postgres").into(),
    };
    change(&mut target);
    let mut config = tokio_postgres::Config::new();
    let user = shared.get_user().unwrap_or("postgres");
    config
        .host(&target.host)
        .port(target.port)
        .dbname(&target.dbname)
        .user(user);
    config
}

struct Target {
    host: String,
    port: u16,
    dbname: String,
}

#[test]
fn an_unknown_host_is_logged_as_host_name_not_found() {
    let config = settings(|c| {
        c.host = "no-such-host.invalid".into();
    });
    let server = ServerProcess::start(&config, &canary_password());
    let line = failure_line(&server);
    assert!(line.contains("host name not found"), "{line}");
}

#[test]
fn a_port_nobody_listens_on_is_logged_as_connection_refused() {
    let port = support::cluster::free_port().expect("a free port");
    let config = settings(|c| {
        c.port = port;
    });
    let server = ServerProcess::start(&config, &canary_password());
    let line = failure_line(&server);
    assert!(line.contains("connection refused"), "{line}");
}

#[test]
fn a_server_that_never_answers_is_logged_as_timed_out() {
    // A listening socket nobody accepts from: the kernel completes the TCP handshake,
    // and then no byte ever comes back.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port();
    let config = settings(|c| {
        c.port = port;
    });
    let server = ServerProcess::start(&config, &canary_password());
    let line = failure_line(&server);
    assert!(line.contains("timed out"), "{line}");
    drop(silent);
}

#[test]
fn a_database_that_does_not_exist_is_logged_as_such() {
    let config = settings(|c| {
        c.dbname = "no_such_database_here".into();
    });
    let server = ServerProcess::start(&config, &canary_password());
    let line = failure_line(&server);
    assert!(line.contains("database does not exist"), "{line}");
    assert!(line.contains("no_such_database_here"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_logged_as_password_rejected() {
    // A cluster of its own: it is made to ask for passwords, and the postgres role has
    // none, so every password is wrong.
    let cluster = tokio::task::block_in_place(support::own_cluster);
    cluster.require_password().expect("pg_hba.conf");
    // The reload takes a moment: wait until PostgreSQL asks the test's own client.
    let started = Instant::now();
    loop {
        let mut config = cluster.config();
        config.password("wrong");
        if let Err(err) = config.connect(tokio_postgres::NoTls).await {
            if err.as_db_error().is_some() {
                break;
            }
        }
        assert!(started.elapsed() < LOG_LIMIT, "pg_hba.conf never reloaded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let server = ServerProcess::start(&cluster.config(), &canary_password());
    let line = tokio::task::block_in_place(|| failure_line(&server));
    assert!(line.contains("password rejected"), "{line}");
}

#[test]
fn allow_reports_a_missing_database_rather_than_its_tls_retry() {
    // libpq's `allow` tries TLS only when pg_hba.conf refuses plain text; a missing
    // database would be missing over TLS too (and this server has no TLS to try).
    let config = settings(|c| {
        c.dbname = "no_such_database_either".into();
    });
    let server =
        ServerProcess::start_with_env(&config, &canary_password(), &[("PGSSLMODE", "allow")]);
    let line = failure_line(&server);
    assert!(line.contains("database does not exist"), "{line}");
}
