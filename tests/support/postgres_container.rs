//! The fallback when there are no PostgreSQL server binaries but there is Docker: a
//! `postgres:15` container (the image docker-compose.yml uses) on a free local port.
//!
//! Containers outlive the process that started them, so each carries a label with the
//! test binary's pid: they are removed when the binary exits (an `atexit` hook), and a
//! later run removes any whose binary died before it could.

use std::process::Command;
use std::sync::Once;
use std::time::{Duration, Instant};

use super::cluster::free_port;

const IMAGE: &str = "postgres:15";
const LABEL: &str = "userapi-test-pid";
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct ContainerCluster {
    id: String,
    port: u16,
}

impl ContainerCluster {
    pub fn start() -> Result<ContainerCluster, String> {
        remove_orphans();
        static HOOK: Once = Once::new();
        // SAFETY: registers a plain `extern "C" fn()` to run at process exit.
        HOOK.call_once(|| unsafe {
            libc::atexit(remove_ours);
        });
        let port = free_port()?;
        let id = docker(&[
            "run",
            "--detach",
            "--label",
            &format!("{LABEL}={}", std::process::id()),
            // No password: SCRAM's 4096 hash rounds per connection are seconds in an
            // unoptimised test build, and this server only listens on 127.0.0.1.
            "--env",
            "POSTGRES_HOST_AUTH_METHOD=trust",
            "--publish",
            &format!("127.0.0.1:{port}:5432"),
            IMAGE,
            // Test data need not survive a power cut; CREATE DATABASE per test is
            // seconds faster without an fsync of every file.
            "postgres",
            "-c",
            "fsync=off",
        ])?;
        let cluster = ContainerCluster { id, port };
        cluster.wait_until_ready()?;
        Ok(cluster)
    }

    /// The 127.0.0.1 port it listens on (user `postgres`, no password).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `fast`: `docker stop` sends the image's stop signal, SIGINT (fast shutdown).
    /// Otherwise SIGQUIT, PostgreSQL's immediate shutdown.
    pub fn stop(&mut self, fast: bool) {
        let _ = if fast {
            docker(&["stop", "--time", "30", &self.id])
        } else {
            docker(&["kill", "--signal", "QUIT", &self.id])
                .and_then(|_| docker(&["wait", &self.id]))
        };
    }

    /// SCRAM for TCP connections from now on (see `Cluster::require_password`); the
    /// socket inside the container stays trusted. SIGHUP makes PostgreSQL reload.
    pub fn require_password(&self) -> Result<(), String> {
        let rules = "local all all trust\nhost all all all scram-sha-256\n";
        let write = format!("printf '{rules}' > \"$PGDATA/pg_hba.conf\"");
        docker(&["exec", &self.id, "sh", "-c", &write])?;
        docker(&["kill", "--signal", "HUP", &self.id]).map(drop)
    }

    pub fn start_server(&mut self) -> Result<(), String> {
        docker(&["start", &self.id])?;
        self.wait_until_ready()
    }

    /// `pg_isready` over TCP inside the container: without `-h` it would also report
    /// the image's temporary, socket-only init server as ready.
    fn wait_until_ready(&self) -> Result<(), String> {
        let started = Instant::now();
        let probe = [
            "exec",
            &self.id,
            "pg_isready",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
        ];
        while started.elapsed() < START_TIMEOUT {
            if docker(&probe).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let logs = docker(&["logs", &self.id]).unwrap_or_default();
        Err(format!(
            "the {IMAGE} container was not ready after {START_TIMEOUT:?}:\n{logs}"
        ))
    }
}

impl Drop for ContainerCluster {
    fn drop(&mut self) {
        let _ = docker(&["rm", "--force", "--volumes", &self.id]);
    }
}

/// Whether the Docker CLI works here (installed and talking to a daemon).
pub fn docker_available() -> bool {
    docker(&["version", "--format", "{{.Server.Version}}"]).is_ok()
}

fn docker(args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("docker {}: {}", args[0], stderr.trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn containers_labelled(filter: &str) -> Vec<String> {
    let listed = docker(&[
        "ps",
        "--all",
        "--quiet",
        "--filter",
        &format!("label={filter}"),
    ]);
    listed
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

extern "C" fn remove_ours() {
    for id in containers_labelled(&format!("{LABEL}={}", std::process::id())) {
        let _ = docker(&["rm", "--force", "--volumes", &id]);
    }
}

/// Containers of test binaries that no longer run.
fn remove_orphans() {
    for id in containers_labelled(LABEL) {
        let label = format!("{{{{index .Config.Labels \"{LABEL}\"}}}}");
        let pid = docker(&["inspect", "--format", &label, &id]).unwrap_or_default();
        if !std::path::Path::new("/proc").join(pid.trim()).exists() {
            let _ = docker(&["rm", "--force", "--volumes", &id]);
        }
    }
}
