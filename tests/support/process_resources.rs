//! What a test reads of the real binary's resources from /proc: its memory and its
//! open file descriptors.

use super::process::ServerProcess;

impl ServerProcess {
    /// A `kB` field of /proc/PID/status, such as `VmHWM` (peak RSS) or `VmRSS`.
    pub fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/PID/status");
        let line = status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{field}:")))
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"));
        let kib = line.trim().trim_end_matches("kB").trim();
        kib.parse().expect("a number of kB")
    }

    /// Open file descriptors of the process.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }
}
