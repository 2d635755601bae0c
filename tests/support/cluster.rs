//! A PostgreSQL of the tests' own, which they may also stop and restart: from the server
//! binaries when this machine has them, else a `postgres:15` Docker container. Which one
//! ran is written to stderr (past the test harness's capture), so nobody wonders.
//!
//! `USERAPI_TEST_POSTGRES=binaries` or `=docker` forces a choice (to test the fallback
//! on a machine that has both).

use std::io::Write;

use super::postgres_binaries::BinaryCluster;
use super::postgres_container::{ContainerCluster, docker_available};
use super::postgres_host::find_server_binaries;
use super::tls_certs::TlsFiles;

pub struct Cluster(Engine);

enum Engine {
    Binaries(BinaryCluster),
    Docker(ContainerCluster),
}

impl Cluster {
    /// Starts a cluster, or explains why none could be started.
    pub fn start() -> Result<Cluster, String> {
        let forced = std::env::var("USERAPI_TEST_POSTGRES").unwrap_or_default();
        let binaries = find_server_binaries().filter(|_| forced != "docker");
        let engine = match binaries {
            Some(bin) => {
                report(&format!("PostgreSQL from {}", bin.display()));
                Engine::Binaries(BinaryCluster::start(bin)?)
            }
            None if forced != "binaries" && docker_available() => {
                report("no PostgreSQL server binaries; falling back to a postgres:15 container");
                Engine::Docker(ContainerCluster::start()?)
            }
            None => return Err("no PostgreSQL server binaries found, and no Docker".into()),
        };
        Ok(Cluster(engine))
    }

    /// Settings for the maintenance database `postgres` as the superuser. Both engines
    /// listen on 127.0.0.1 only and trust local connections: no password to handle
    /// (unless a test asks for one, [`Cluster::require_password`]).
    pub fn config(&self) -> tokio_postgres::Config {
        let port = match &self.0 {
            Engine::Binaries(cluster) => cluster.port(),
            Engine::Docker(cluster) => cluster.port(),
        };
        let mut config = tokio_postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(port)
            .user("postgres")
            .dbname("postgres");
        config
    }

    /// Stops the server: `fast` (what `pg_ctl stop -m fast` does) or immediate (a crash
    /// as far as clients can tell). Returns once it has stopped.
    pub fn stop(&mut self, fast: bool) {
        match &mut self.0 {
            Engine::Binaries(cluster) => cluster.stop(fast),
            Engine::Docker(cluster) => cluster.stop(fast),
        }
    }

    /// From now on TCP connections must authenticate with the role's password (SCRAM),
    /// as in production: set one first (`ALTER USER postgres PASSWORD ...`) and add it
    /// to the settings. PostgreSQL applies this on a reload, a moment after this
    /// returns: wait until a wrong password is refused.
    pub fn require_password(&self) -> Result<(), String> {
        match &self.0 {
            Engine::Binaries(cluster) => cluster.require_password(),
            Engine::Docker(cluster) => cluster.require_password(),
        }
    }

    /// From now on the server accepts only TLS connections (`hostssl` in pg_hba.conf, as
    /// managed PostgreSQL services do), with a certificate for `localhost` signed by a CA
    /// made for the test. Returns the certificate files. Binaries only: the container
    /// engine has no such switch here.
    pub fn require_tls(&mut self) -> Result<TlsFiles, String> {
        match &mut self.0 {
            Engine::Binaries(cluster) => cluster.require_tls(),
            Engine::Docker(_) => Err("the TLS tests need the PostgreSQL server binaries".into()),
        }
    }

    /// A streaming hot standby of this cluster, started (`pg_basebackup -R`). Binaries
    /// only: the container engine has no second container here.
    pub fn start_standby(&self) -> Result<Cluster, String> {
        match &self.0 {
            Engine::Binaries(cluster) => Ok(Cluster(Engine::Binaries(cluster.start_standby()?))),
            Engine::Docker(_) => {
                Err("the standby tests need the PostgreSQL server binaries".into())
            }
        }
    }

    /// Starts the stopped server again, same port, same data; returns once it is ready.
    pub fn start_server(&mut self) -> Result<(), String> {
        match &mut self.0 {
            Engine::Binaries(cluster) => cluster.start_server(),
            Engine::Docker(cluster) => cluster.start_server(),
        }
    }
}

fn report(what: &str) {
    let _ = writeln!(std::io::stderr(), "integration tests: {what}");
}

pub fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}
