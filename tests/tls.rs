//! TLS to PostgreSQL, issue 13: the real server binary against a PostgreSQL that accepts
//! only TLS (`hostssl` in pg_hba.conf, a certificate for `localhost` from a CA made for
//! the test), in each `sslmode`, as libpq would behave. What the server says when it
//! cannot connect is checked in its log; whether a connection is encrypted is checked
//! in PostgreSQL's own `pg_stat_ssl`, through a client of the test's own.
//!
//! The tests take turns ([`SERIAL`]): they share one TLS-only cluster, and the servers
//! that do connect all create the table in the same database.

#![cfg(feature = "tls")]

mod support;

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use support::Cluster;
use support::process::ServerProcess;
use support::tls_certs::TlsFiles;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long a server may take to connect, or to log why it cannot.
const CONNECT_LIMIT: Duration = Duration::from_secs(20);

/// The TLS-only cluster the tests share, and its certificates.
fn tls_cluster() -> &'static (Cluster, TlsFiles) {
    static SHARED: OnceLock<(Cluster, TlsFiles)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let mut cluster = support::own_cluster();
        let files = cluster.require_tls().unwrap_or_else(|e| panic!("{e}"));
        (cluster, files)
    })
}

fn port(cluster: &Cluster) -> u16 {
    cluster.config().get_ports()[0]
}

/// The server binary with `DATABASE_URL=postgres://postgres@{host}:{port}/postgres?{query}`.
fn server(cluster: &Cluster, host: &str, query: &str) -> ServerProcess {
    let url = format!(
        "postgres://postgres@{host}:{}/postgres?{query}",
        port(cluster)
    );
    ServerProcess::start_with_env(&cluster.config(), "unused", &[("DATABASE_URL", &url)])
}

/// Waits until the server answers a look-up from the database (404: there is no user
/// 1), i.e. it has a working connection.
async fn until_connected(server: &ServerProcess) {
    let started = Instant::now();
    loop {
        let response = support::http::send(server.addr, "GET", "/users/1", &[], b"").await;
        if response.status == 404 {
            return;
        }
        assert!(
            started.elapsed() < CONNECT_LIMIT,
            "not connected after {CONNECT_LIMIT:?}:\n{}",
            server.output()
        );
    }
}

/// Waits until the server's log has a line containing `text`; returns that line.
fn until_logged(server: &ServerProcess, text: &str) -> String {
    server.until_logged(text, CONNECT_LIMIT)
}

/// A client of the test's own, verify-full against the test CA, on `localhost`.
async fn observer(cluster: &Cluster, ca: &Path) -> tokio_postgres::Client {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("CA file") {
        roots.add(cert.expect("a PEM certificate")).expect("a CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut config = cluster.config();
    config.host("localhost").ssl_mode(SslMode::Require);
    let (client, connection) = config
        .connect(MakeRustlsConnect::new(tls))
        .await
        .expect("the test's own TLS connection");
    tokio::spawn(connection);
    client
}

/// Whether the server binary's connection (application_name `userapi`) is encrypted,
/// and with which TLS version, as PostgreSQL sees it.
async fn server_connection_tls(observer: &tokio_postgres::Client) -> Vec<(bool, String)> {
    let sql = "SELECT s.ssl, coalesce(s.version, '') FROM pg_stat_ssl s \
               JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'userapi'";
    let rows = observer.query(sql, &[]).await.expect("pg_stat_ssl");
    rows.iter().map(|row| (row.get(0), row.get(1))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_sslmode_connects_over_tls_to_a_tls_only_server() {
    let _turn = SERIAL.lock().await;
    let (cluster, files) = tokio::task::block_in_place(tls_cluster);
    // The DB_* variables, as the seed's compose file sets them: no sslmode anywhere.
    let server = ServerProcess::start(&cluster.config(), "unused");
    until_connected(&server).await;
    // The log line may trail the answer by the log writer's few milliseconds.
    let connected = until_logged(&server, "database: connected");
    assert!(connected.contains("(sslmode=prefer)"), "{connected}");
    let tls = server_connection_tls(&observer(cluster, &files.ca).await).await;
    assert!(!tls.is_empty(), "no userapi connection in pg_stat_activity");
    assert!(tls.iter().all(|(ssl, _)| *ssl), "not encrypted: {tls:?}");
    assert!(tls.iter().all(|(_, version)| version.starts_with("TLSv1.")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_and_allow_connect_without_checking_the_certificate() {
    let _turn = SERIAL.lock().await;
    let (cluster, files) = tokio::task::block_in_place(tls_cluster);
    // 127.0.0.1 is not a name the certificate has: neither mode looks.
    for mode in ["require", "allow"] {
        let server = server(cluster, "127.0.0.1", &format!("sslmode={mode}"));
        until_connected(&server).await;
        let tls = server_connection_tls(&observer(cluster, &files.ca).await).await;
        assert!(tls.iter().all(|(ssl, _)| *ssl), "{mode}: {tls:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_right_ca_and_localhost_connects() {
    let _turn = SERIAL.lock().await;
    let (cluster, files) = tokio::task::block_in_place(tls_cluster);
    let query = format!("sslmode=verify-full&sslrootcert={}", files.ca.display());
    let server = server(cluster, "localhost", &query);
    until_connected(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_with_the_right_ca_connects_whatever_the_host_name() {
    let _turn = SERIAL.lock().await;
    let (cluster, files) = tokio::task::block_in_place(tls_cluster);
    let query = format!("sslmode=verify-ca&sslrootcert={}", files.ca.display());
    let server = server(cluster, "127.0.0.1", &query);
    until_connected(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_another_ca_fails_saying_the_certificate_is_not_trusted() {
    let _turn = SERIAL.lock().await;
    let (cluster, files) = tokio::task::block_in_place(tls_cluster);
    let query = format!(
        "sslmode=verify-full&sslrootcert={}",
        files.other_ca.display()
    );
    let server = server(cluster, "localhost", &query);
    let line = until_logged(&server, "cannot connect");
    assert!(
        line.contains("TLS handshake failed: certificate not trusted"),
        "{line}"
    );
    let response = support::http::send(server.addr, "GET", "/users/1", &[], b"").await;
    assert_eq!(response.status, 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_a_host_the_certificate_does_not_name_fails_saying_so() {
    let _turn = SERIAL.lock().await;
    let (cluster, files) = tokio::task::block_in_place(tls_cluster);
    let query = format!("sslmode=verify-full&sslrootcert={}", files.ca.display());
    let server = server(cluster, "127.0.0.1", &query);
    let line = until_logged(&server, "cannot connect");
    assert!(
        line.contains("TLS handshake failed: host name does not match the certificate"),
        "{line}"
    );
    assert!(
        line.contains("localhost"),
        "names what the certificate is for: {line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_against_a_tls_only_server_fails_saying_it_requires_encryption() {
    let _turn = SERIAL.lock().await;
    let (cluster, _) = tokio::task::block_in_place(tls_cluster);
    let server = server(cluster, "127.0.0.1", "sslmode=disable");
    let line = until_logged(&server, "cannot connect");
    assert!(
        line.contains("the server requires an encrypted connection (TLS)"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefer_against_a_plain_server_connects_without_tls() {
    let _turn = SERIAL.lock().await;
    let cluster = tokio::task::block_in_place(support::own_cluster);
    let server = server(&cluster, "127.0.0.1", "sslmode=prefer");
    until_connected(&server).await;
    let observer = support::connect(&cluster.config()).await;
    let tls = server_connection_tls(&observer).await;
    assert!(
        !tls.is_empty() && tls.iter().all(|(ssl, _)| !ssl),
        "{tls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_against_a_plain_server_fails_saying_it_does_not_support_tls() {
    let _turn = SERIAL.lock().await;
    let cluster = tokio::task::block_in_place(support::own_cluster);
    let server = server(&cluster, "127.0.0.1", "sslmode=require");
    let line = until_logged(&server, "cannot connect");
    assert!(
        line.contains("TLS handshake failed: the server does not support TLS"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_postgres_restart_it_reconnects_over_tls() {
    let _turn = SERIAL.lock().await;
    let (mut cluster, files) = tokio::task::block_in_place(|| {
        let mut cluster = support::own_cluster();
        let files = cluster.require_tls().unwrap_or_else(|e| panic!("{e}"));
        (cluster, files)
    });
    let query = format!("sslmode=verify-full&sslrootcert={}", files.ca.display());
    let server = server(&cluster, "localhost", &query);
    until_connected(&server).await;
    tokio::task::block_in_place(|| {
        cluster.stop(true);
        cluster.start_server().expect("PostgreSQL starts again");
    });
    let lost = until_logged(&server, "connection lost");
    assert!(lost.contains("terminating connection"), "{lost}");
    until_connected(&server).await;
    // The log is written by a thread of its own: the line may trail the answer.
    let started = Instant::now();
    while server.output().matches("database: connected").count() < 2 {
        assert!(started.elapsed() < CONNECT_LIMIT, "{}", server.output());
        std::thread::sleep(Duration::from_millis(20));
    }
    let tls = server_connection_tls(&observer(&cluster, &files.ca).await).await;
    assert!(
        !tls.is_empty() && tls.iter().all(|(ssl, _)| *ssl),
        "{tls:?}"
    );
}
