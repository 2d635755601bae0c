//! A hot standby of a [`BinaryCluster`], for the tests of `target_session_attrs` and of
//! a primary that stops being one: `pg_basebackup -R` from the running primary (which
//! initdb's pg_hba.conf already lets replicate from 127.0.0.1), then the server started
//! on the copy, streaming from the primary. As root, run as the `postgres` user, like
//! the primary.

use std::path::Path;

use super::postgres_binaries::BinaryCluster;

impl BinaryCluster {
    /// Starts a streaming hot standby of this (running) cluster; returns once it
    /// accepts connections.
    pub fn start_standby(&self) -> Result<BinaryCluster, String> {
        // The directory found may hold links to `initdb` and `postgres` only (as
        // /usr/local/bin does here): pg_basebackup is beside the real `postgres`.
        let postgres = std::fs::canonicalize(self.bin.join("postgres"));
        let bin = postgres
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let mut standby = BinaryCluster::unstarted(bin.unwrap_or_else(|| self.bin.clone()))?;
        let data = standby.dir.join("data");
        let output = standby
            .command("pg_basebackup")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port().to_string(),
                "-U",
                "postgres",
            ])
            .args(["-D".as_ref(), data.as_os_str()])
            // -R: standby.signal and primary_conninfo; -c fast: no wait for a checkpoint.
            .args(["-R", "-X", "stream", "-c", "fast", "--no-sync"])
            .output()
            .map_err(|e| format!("cannot run pg_basebackup: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "pg_basebackup failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        standby.start_server()?;
        Ok(standby)
    }
}
