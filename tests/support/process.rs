//! The real `userapi` binary as a child process, for the tests that need what only a
//! process has: a SIGTERM, an exit code, and its own stdout and stderr to search.
//!
//! [`ServerProcess::start`] runs the binary cargo built for this test run
//! (`CARGO_BIN_EXE_userapi`) with `PORT=0` and the `DB_*` variables of a test database,
//! reads the port it bound from its "listening on" line (a readiness check, not a
//! guess), and keeps everything it prints. With the admin listener on (`ADMIN_PORT=0`)
//! it reads that port the same way. Dropping it kills the process; it also gets
//! `PR_SET_PDEATHSIG` ([`super::child_setup`]), so a crashing test binary leaves no
//! server behind.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tokio_postgres::config::Host;

use super::child_setup;

/// How long the binary may take to print its "listening on" line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

pub struct ServerProcess {
    child: Child,
    /// The read end of a stdout that [`Stdout::NeverRead`] keeps open and never reads.
    _unread_stdout: Option<std::process::ChildStdout>,
    pub addr: SocketAddr,
    /// The admin listener (`/live`, `/ready`, `/metrics`), when started with it.
    pub admin_addr: Option<SocketAddr>,
    /// Everything the process printed so far, stdout and stderr interleaved by line.
    output: Arc<Mutex<String>>,
}

/// What the binary's stdout (its access log) is connected to.
#[derive(Clone, Copy, PartialEq)]
pub enum Stdout {
    /// A pipe the test reads, like stderr.
    Collected,
    /// A pipe whose read end is closed before the server starts (`userapi | head -c0`).
    Closed,
    /// A pipe the test holds open and never reads (a stalled log driver).
    NeverRead,
}

/// How to start the binary, beyond the database.
#[derive(Clone)]
pub struct Options {
    pub stdout: Stdout,
    /// `(soft, hard)` RLIMIT_NOFILE for the process, set before it starts.
    pub open_files: Option<(u64, u64)>,
    /// A file the process reads as its `/etc/hosts` ([`child_setup::use_hosts_file`]).
    pub hosts_file: Option<std::path::PathBuf>,
    /// The admin listener too (`ADMIN_PORT=0`); see [`ServerProcess::admin`].
    pub admin: bool,
    /// More environment variables (`DATABASE_URL`, `PGSSLMODE`...); they override the
    /// `DB_*` ones.
    pub env: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            stdout: Stdout::Collected,
            open_files: None,
            hosts_file: None,
            admin: false,
            env: Vec::new(),
        }
    }
}

impl ServerProcess {
    /// Starts the binary against `database`, with `password` as `DB_PASSWORD`.
    pub fn start(database: &tokio_postgres::Config, password: &str) -> ServerProcess {
        ServerProcess::start_with(database, password, Options::default())
    }

    /// The same, with the admin listener on too (`ADMIN_PORT=0`); its address is
    /// [`ServerProcess::admin`], read from its "admin: listening on" line.
    pub fn start_with_admin(database: &tokio_postgres::Config) -> ServerProcess {
        let options = Options {
            admin: true,
            ..Options::default()
        };
        ServerProcess::start_with(database, "unused", options)
    }

    /// [`ServerProcess::start`] with more environment variables ([`Options::env`]).
    pub fn start_with_env(
        database: &tokio_postgres::Config,
        password: &str,
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let options = Options {
            env: env.collect(),
            ..Options::default()
        };
        ServerProcess::start_with(database, password, options)
    }

    /// [`ServerProcess::start`] with `options`.
    pub fn start_with(
        database: &tokio_postgres::Config,
        password: &str,
        options: Options,
    ) -> ServerProcess {
        let host = match database.get_hosts().first() {
            Some(Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_string(),
        };
        let port = database.get_ports().first().copied().unwrap_or(5432);
        let mut command = Command::new(env!("CARGO_BIN_EXE_userapi"));
        command
            .env_remove("DATABASE_URL")
            .env_remove("ADMIN_PORT")
            .env("PORT", "0")
            .env("DB_HOST", host)
            .env("DB_PORT", port.to_string())
            .env("DB_NAME", database.get_dbname().unwrap_or("postgres"))
            .env("DB_USER", database.get_user().unwrap_or("postgres"))
            .env("DB_PASSWORD", password)
            .env_remove("PGSSLMODE")
            .env_remove("PGSSLROOTCERT")
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if options.admin {
            command.env("ADMIN_PORT", "0");
        }
        child_setup::die_with_the_test(&mut command, options.open_files);
        if let Some(file) = &options.hosts_file {
            child_setup::use_hosts_file(&mut command, file);
        }
        let mut child = command.spawn().expect("run the userapi binary");
        let output = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut unread_stdout = None;
        match options.stdout {
            Stdout::Collected => collect_lines(stdout, &output, port_tx.clone()),
            Stdout::Closed => drop(stdout),
            Stdout::NeverRead => unread_stdout = Some(stdout),
        }
        collect_lines(stderr, &output, port_tx);
        let (mut api, mut admin_port) = (None, None);
        let started = Instant::now();
        while api.is_none() || (options.admin && admin_port.is_none()) {
            let left = START_TIMEOUT.saturating_sub(started.elapsed());
            match port_rx.recv_timeout(left) {
                Ok((Listener::Api, port)) => api = Some(port),
                Ok((Listener::Admin, port)) => admin_port = Some(port),
                Err(_) => {
                    let _ = child.kill();
                    panic!("the server did not start:\n{}", lock(&output))
                }
            }
        }
        let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
        ServerProcess {
            child,
            _unread_stdout: unread_stdout,
            addr: local(api.unwrap_or_default()),
            admin_addr: admin_port.map(local),
            output,
        }
    }

    /// The admin listener's address; panics if it was not started.
    pub fn admin(&self) -> SocketAddr {
        self.admin_addr.expect("started with the admin listener")
    }

    /// Sends SIGTERM, as `docker stop` does.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child, which has not been reaped yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if started.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The process id, for /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the process has printed so far.
    pub fn output(&self) -> String {
        lock(&self.output).clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which listening line a port came from.
enum Listener {
    Api,
    Admin,
}

/// Copies `stream` line by line into `output`, reporting the ports of the
/// "server: listening on http://0.0.0.0:PORT" and "admin: listening on ..." lines.
fn collect_lines(
    stream: impl Read + Send + 'static,
    output: &Arc<Mutex<String>>,
    port: mpsc::Sender<(Listener, u16)>,
) {
    let output = Arc::clone(output);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let listening = [
                (Listener::Api, "server: listening on http://0.0.0.0:"),
                (Listener::Admin, "admin: listening on http://0.0.0.0:"),
            ];
            for (listener, prefix) in listening {
                if let Some(rest) = line.strip_prefix(prefix) {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    if let Ok(bound) = digits.parse() {
                        let _ = port.send((listener, bound));
                    }
                }
            }
            let mut output = lock(&output);
            output.push_str(&line);
            output.push('\n');
        }
    });
}

fn lock(output: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    output
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
