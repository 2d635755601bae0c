//! A throwaway PostgreSQL cluster started from the server binaries (on PATH or under
//! /usr/lib/postgresql/*/bin): the tests' first choice, fast and needing nothing else.
//!
//! `initdb` into a fresh directory under the system temp dir, then `postgres` itself as a
//! child process listening on a free 127.0.0.1 port with trust authentication. As root
//! (CI), both run as the `postgres` user, because PostgreSQL refuses to run as root.
//! The server gets `PR_SET_PDEATHSIG`: when the thread that spawned it ends, the kernel
//! sends it SIGQUIT (immediate shutdown), so a test binary that exits or crashes never
//! leaves a PostgreSQL behind. That signal follows the spawning *thread*, so each server
//! is spawned from a thread of its own that lives exactly as long as the server does.
//! A cluster dropped removes its directory; one that never is (the shared cluster, in a
//! `static`) is stopped and removed when the binary exits (`postgres_exit.rs`).

use std::fs;
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use super::cluster::free_port;
use super::postgres_exit;
use super::postgres_host::{postgres_user_if_root, remove_stale_directories};
use super::tls_certs::TlsFiles;

/// How long PostgreSQL may take to accept connections after a start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct BinaryCluster {
    pub(super) bin: PathBuf,
    pub(super) dir: PathBuf,
    port: u16,
    owner: Option<(u32, u32)>,
    postmaster: Option<Postmaster>,
}

/// A running `postgres` process: its pid and a channel that reports its exit.
struct Postmaster {
    pid: i32,
    /// In a Mutex only so that a `Cluster` may live in a `static`.
    exited: Mutex<mpsc::Receiver<()>>,
}

impl Postmaster {
    fn has_exited(&self, wait: Duration) -> bool {
        let exited = self
            .exited
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        exited.recv_timeout(wait).is_ok()
    }
}

impl BinaryCluster {
    /// Creates and starts a cluster from the binaries in `bin`.
    pub fn start(bin: PathBuf) -> Result<BinaryCluster, String> {
        let mut cluster = BinaryCluster::unstarted(bin)?;
        cluster.initdb()?;
        cluster.start_server()?;
        Ok(cluster)
    }

    /// A fresh directory (the `postgres` user's, as root) and a free port; no data yet.
    pub(super) fn unstarted(bin: PathBuf) -> Result<BinaryCluster, String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        remove_stale_directories();
        let dir = std::env::temp_dir().join(format!(
            "userapi-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        postgres_exit::created(&dir);
        let owner = postgres_user_if_root()?;
        if let Some((uid, gid)) = owner {
            chown(&dir, Some(uid), Some(gid)).map_err(|e| format!("chown: {e}"))?;
        }
        Ok(BinaryCluster {
            bin,
            port: free_port()?,
            dir,
            owner,
            postmaster: None,
        })
    }

    /// The 127.0.0.1 port it listens on (user `postgres`, no password).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server: `fast` (SIGINT, what `pg_ctl stop -m fast` sends) or immediate
    /// (SIGQUIT, a crash as far as clients can tell). Waits until it has exited.
    pub fn stop(&mut self, fast: bool) {
        let Some(postmaster) = self.postmaster.take() else {
            return;
        };
        let signal = if fast { libc::SIGINT } else { libc::SIGQUIT };
        // SAFETY: kill(2) on a pid we started and have not yet reaped.
        unsafe { libc::kill(postmaster.pid, signal) };
        postmaster.has_exited(START_TIMEOUT);
    }

    /// SCRAM for TCP connections from now on (see `Cluster::require_password`).
    pub fn require_password(&self) -> Result<(), String> {
        let rules = "host all all 127.0.0.1/32 scram-sha-256\n";
        fs::write(self.dir.join("data/pg_hba.conf"), rules).map_err(|e| e.to_string())?;
        let postmaster = self
            .postmaster
            .as_ref()
            .ok_or("PostgreSQL is not running")?;
        // SAFETY: kill(2) on a pid we started and have not yet reaped; SIGHUP = reload.
        unsafe { libc::kill(postmaster.pid, libc::SIGHUP) };
        Ok(())
    }

    /// TLS only from now on (see `Cluster::require_tls`): certificates in the cluster's
    /// directory, `ssl = on`, `hostssl` the only line of pg_hba.conf; then a restart,
    /// so that it is in force when this returns.
    pub fn require_tls(&mut self) -> Result<TlsFiles, String> {
        let files = TlsFiles::generate(&self.dir)?;
        // PostgreSQL refuses a key file that others may read, or that it does not own.
        fs::set_permissions(&files.server_key, fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
        if let Some((uid, gid)) = self.owner {
            for file in [&files.server_cert, &files.server_key] {
                chown(file, Some(uid), Some(gid)).map_err(|e| format!("chown: {e}"))?;
            }
        }
        let settings = format!(
            "\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
            files.server_cert.display(),
            files.server_key.display()
        );
        let conf = self.dir.join("data/postgresql.conf");
        let mut text = fs::read_to_string(&conf).map_err(|e| e.to_string())?;
        text.push_str(&settings);
        fs::write(&conf, text).map_err(|e| e.to_string())?;
        let rules = "hostssl all all 127.0.0.1/32 trust\n";
        fs::write(self.dir.join("data/pg_hba.conf"), rules).map_err(|e| e.to_string())?;
        self.stop(true);
        self.start_server()?;
        Ok(files)
    }

    /// Starts the server again on the same port and data.
    pub fn start_server(&mut self) -> Result<(), String> {
        let mut command = self.command("postgres");
        command.args(["-D".as_ref(), self.dir.join("data").as_os_str()]);
        command.args([
            "-p",
            &self.port.to_string(),
            "-c",
            "listen_addresses=127.0.0.1",
        ]);
        command.args([
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=300",
        ]);
        let log = fs::File::create(self.dir.join("postgres.log")).map_err(|e| e.to_string())?;
        command.stdout(Stdio::null()).stderr(log);
        // SAFETY: prctl is async-signal-safe; it only sets a flag on the child.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
                Ok(())
            });
        }
        let (started, pid) = mpsc::channel();
        let (report_exit, exited) = mpsc::channel();
        std::thread::spawn(move || match command.spawn() {
            Ok(mut child) => {
                let pid = child.id() as i32;
                postgres_exit::started(pid);
                let _ = started.send(Ok(pid));
                let _ = child.wait();
                postgres_exit::exited(pid);
                let _ = report_exit.send(());
            }
            Err(err) => {
                let _ = started.send(Err(format!("cannot run postgres: {err}")));
            }
        });
        let pid = pid.recv().map_err(|e| e.to_string())??;
        self.postmaster = Some(Postmaster {
            pid,
            exited: Mutex::new(exited),
        });
        self.wait_until_ready()
    }

    /// Waits for the status line of `postmaster.pid` to say `ready` (`standby` for a hot
    /// standby): PostgreSQL writes it once it accepts connections. A readiness check,
    /// not a guess at a delay.
    fn wait_until_ready(&self) -> Result<(), String> {
        let started = Instant::now();
        let pid_file = self.dir.join("data/postmaster.pid");
        while started.elapsed() < START_TIMEOUT {
            let contents = fs::read_to_string(&pid_file).unwrap_or_default();
            let status = contents.lines().nth(7).map(str::trim);
            if matches!(status, Some("ready" | "standby")) {
                return Ok(());
            }
            if let Some(postmaster) = &self.postmaster {
                if postmaster.has_exited(Duration::ZERO) {
                    return Err(format!("postgres exited:\n{}", self.log()));
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "postgres not ready after {START_TIMEOUT:?}:\n{}",
            self.log()
        ))
    }

    fn initdb(&self) -> Result<(), String> {
        let data = self.dir.join("data");
        let output = self
            .command("initdb")
            .args(["-D".as_ref(), data.as_os_str()])
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "initdb failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(())
    }

    pub(super) fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        if let Some((uid, gid)) = self.owner {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for BinaryCluster {
    fn drop(&mut self) {
        self.stop(false);
        let _ = fs::remove_dir_all(&self.dir);
        postgres_exit::removed(&self.dir);
    }
}
