//! Reading the real binary's log from a test: wait for a line, with a limit.

use std::time::{Duration, Instant};

use super::process::ServerProcess;

impl ServerProcess {
    /// Waits for a line of the server's output containing `text` and returns it;
    /// fails the test with everything the server printed if none comes within `limit`.
    pub fn until_logged(&self, text: &str, limit: Duration) -> String {
        let started = Instant::now();
        loop {
            let output = self.output();
            if let Some(line) = output.lines().find(|line| line.contains(text)) {
                return line.to_string();
            }
            assert!(
                started.elapsed() < limit,
                "no log line with {text:?} after {limit:?}:\n{output}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
