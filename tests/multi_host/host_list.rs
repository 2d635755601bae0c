//! A host list whose first hosts accept TCP and never answer (a frozen machine, a
//! half-dead load balancer): the server moves on after `connect_timeout` on each host,
//! as libpq does, instead of spending its whole budget on the first one (before issue
//! 20 it never reached the second host at all). The same for the addresses of one
//! name (a DNS record whose first address is a frozen machine). And a list where no
//! host works: the log names every host with its reason.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio_postgres::config::Host;

use super::support::process::{Options, ServerProcess};
use super::support::{TestDatabase, child_setup, figure};
use super::{SERIAL, server_with_url, until_created, until_logged};

/// A socket that completes the TCP handshake (the kernel does it) and never says a word.
fn silent_host() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    (listener, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_host_gets_its_own_connect_timeout() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let (_first, first) = silent_host();
    let (_second, second) = silent_host();
    let port = database.config.get_ports()[0];
    let name = database.config.get_dbname().expect("a database name");
    // Two silent hosts at 2 s each: 4 s, more than the 3 s a whole attempt had before.
    let url = format!(
        "postgresql://postgres@127.0.0.1:{first},127.0.0.1:{second},127.0.0.1:{port}/{name}\
         ?connect_timeout=2&target_session_attrs=read-write"
    );
    let started = Instant::now();
    let server = server_with_url(&database.config, &url);
    let line = until_logged(&server, "database: connected", Duration::from_secs(20));
    let took = started.elapsed();
    assert!(
        line.contains(&format!("connected to 127.0.0.1:{port} of")),
        "{line}"
    );
    for silent in [first, second] {
        let skipped = format!("127.0.0.1:{silent}: timed out: no answer from the server");
        assert!(line.contains(&skipped), "{line}");
    }
    assert!(line.contains("a read-write session"), "{line}");
    assert!(
        took >= Duration::from_secs(4),
        "{took:?}: the timeouts were not kept"
    );
    assert!(took < Duration::from_secs(8), "{took:?}: {line}");
    until_created(server.addr, "hosts", Duration::from_secs(5)).await;
    figure(&format!(
        "multi_host: two silent hosts then a live one, connect_timeout=2: connected after \
         {:.2} s",
        took.as_secs_f64()
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_no_host_works_the_log_names_each_with_its_reason() {
    let database = TestDatabase::create().await;
    let (_silent, silent) = silent_host();
    // A port nobody listens on: bound, then closed.
    let (closed_listener, closed) = silent_host();
    drop(closed_listener);
    let url =
        format!("postgresql://postgres@127.0.0.1:{silent},127.0.0.1:{closed}/x?connect_timeout=2");
    let server = server_with_url(&database.config, &url);
    let line = until_logged(&server, "cannot connect", Duration::from_secs(15));
    let expected = format!(
        "cannot connect to postgres@127.0.0.1:{silent},127.0.0.1:{closed}/x (sslmode=prefer): \
         127.0.0.1:{silent}: timed out: no answer from the server; \
         127.0.0.1:{closed}: connection refused (nothing listens on that port); retrying"
    );
    assert!(line.ends_with(&expected), "{line}");
}

/// A hosts file in which `twoaddresses` is `::1`, then 127.0.0.1, removed when
/// dropped; `None` (the test is skipped, with a line that says why) where the server
/// cannot be given it. CI always can: there a skip is a failure.
struct TwoAddresses(PathBuf);

impl TwoAddresses {
    fn new(database: &TestDatabase, test: &str) -> Option<TwoAddresses> {
        let on_loopback = matches!(database.config.get_hosts().first(),
            Some(Host::Tcp(host)) if host == "127.0.0.1");
        if !on_loopback || !child_setup::possible() {
            let why = "needs the throwaway cluster on 127.0.0.1 and a mount namespace (root)";
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs this test: it {why}"
            );
            eprintln!("skipped: {test} {why}");
            return None;
        }
        let file =
            std::env::temp_dir().join(format!("userapi-hosts-{}-{test}", std::process::id()));
        std::fs::write(
            &file,
            "127.0.0.1 localhost\n::1 twoaddresses\n127.0.0.1 twoaddresses\n",
        )
        .expect("write the hosts file");
        Some(TwoAddresses(file))
    }

    /// The binary with `DATABASE_URL` = `url`, reading this file as its `/etc/hosts`.
    fn server(&self, database: &TestDatabase, url: String) -> ServerProcess {
        let options = Options {
            env: vec![("DATABASE_URL".to_string(), url)],
            hosts_file: Some(self.0.clone()),
            ..Options::default()
        };
        ServerProcess::start_with(&database.config, "unused", options)
    }
}

impl Drop for TwoAddresses {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The name `twoaddresses` is `::1` (silent) and then 127.0.0.1 (PostgreSQL), in the
/// server's own `/etc/hosts`. Before each address had its own `connect_timeout`, the
/// whole budget went to `::1` and the server never connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_address_of_a_name_gets_its_own_connect_timeout() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let test = "each_address_of_a_name_gets_its_own_connect_timeout";
    let Some(hosts) = TwoAddresses::new(&database, test) else {
        return;
    };
    let port = database.config.get_ports()[0];
    // PostgreSQL listens on 127.0.0.1 only, so [::1] with its port is free for a socket
    // that completes the handshake and never says a word.
    let _silent = TcpListener::bind(("::1", port)).expect("bind [::1] on the cluster's port");
    let name = database.config.get_dbname().expect("a database name");
    let url = format!("postgresql://postgres@twoaddresses:{port}/{name}?connect_timeout=2");
    let started = Instant::now();
    let server = hosts.server(&database, url);
    let line = until_logged(&server, "database: connected", Duration::from_secs(15));
    let took = started.elapsed();
    let skipped = format!("twoaddresses:{port} (::1): timed out: no answer from the server");
    assert!(line.contains(&skipped), "{line}");
    assert!(
        took >= Duration::from_secs(2),
        "{took:?}: the timeout was not kept"
    );
    assert!(took < Duration::from_secs(6), "{took:?}: {line}");
    until_created(server.addr, "addresses", Duration::from_secs(5)).await;
    figure(&format!(
        "multi_host: a name whose first address is silent, connect_timeout=2: connected \
         after {:.2} s",
        took.as_secs_f64()
    ));
}

/// The same name with neither address working: the log names each address with its
/// reason (one host's reason alone would not say which address did what).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_no_address_works_the_log_names_each_with_its_reason() {
    let database = TestDatabase::create().await;
    let test = "when_no_address_works_the_log_names_each_with_its_reason";
    let Some(hosts) = TwoAddresses::new(&database, test) else {
        return;
    };
    let silent = TcpListener::bind(("::1", 0)).expect("bind [::1]");
    let port = silent.local_addr().expect("address").port();
    // Nothing listens on 127.0.0.1 with that port: bound, then closed.
    drop(TcpListener::bind(("127.0.0.1", port)).expect("127.0.0.1 with the same port"));
    let url = format!("postgresql://postgres@twoaddresses:{port}/x?connect_timeout=2");
    let server = hosts.server(&database, url);
    let line = until_logged(&server, "cannot connect", Duration::from_secs(15));
    let expected = format!(
        "twoaddresses:{port} (::1): timed out: no answer from the server; \
         twoaddresses:{port} (127.0.0.1): connection refused (nothing listens on that \
         port); retrying"
    );
    assert!(line.ends_with(&expected), "{line}");
}
