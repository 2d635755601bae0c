//! One chapter of `examples/` as a child process: its binary found where Cargo put it
//! (`target/<profile>/examples/`, beside this test binary's `deps/`), started with
//! `PORT=0`, and its port read from the "listening on" line it prints (a readiness
//! check, not a guess). Dropping a [`Chapter`] kills the process, and
//! `PR_SET_PDEATHSIG` kills it if the test binary itself dies first.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use super::support::http::{self, Response};

/// How long a chapter may take to print its "listening on" line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Chapter {
    child: Child,
    pub addr: SocketAddr,
    /// Everything it printed so far, stdout and stderr.
    output: Arc<Mutex<String>>,
}

impl Chapter {
    /// Starts `examples/<name>.rs`'s binary with `PORT=0` and `env`.
    pub fn start(name: &str, env: &[(&str, String)]) -> Chapter {
        let mut command = Command::new(binary(name));
        command
            .env("PORT", "0")
            .envs(env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe and changes only the child.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command.spawn().expect("start the chapter's binary");
        let output = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        collect_lines(child.stdout.take().expect("piped"), &output, Some(port_tx));
        collect_lines(child.stderr.take().expect("piped"), &output, None);
        // The sender goes when stdout closes: a chapter that exits early fails at once.
        let Ok(port) = port_rx.recv_timeout(START_TIMEOUT) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} did not start:\n{}", lock(&output));
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        Chapter {
            child,
            addr,
            output,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        http::send(self.addr, "GET", path, &[], b"").await
    }

    pub async fn post_json(&self, path: &str, body: &str) -> Response {
        let json = [("Content-Type", "application/json")];
        http::send(self.addr, "POST", path, &json, body.as_bytes()).await
    }

    pub async fn send(&self, method: &str, path: &str) -> Response {
        http::send(self.addr, method, path, &[], b"").await
    }

    /// What the process printed so far.
    pub fn output(&self) -> String {
        lock(&self.output).clone()
    }

    /// Waits (5 s at most) until the process has printed `text`; whether it has. The
    /// output is read by a thread of its own, so a line the process wrote a moment ago
    /// may not have arrived yet.
    pub async fn until_printed(&self, text: &str) -> bool {
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(5) {
            if self.output().contains(text) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        false
    }
}

impl Drop for Chapter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/<profile>/examples/<name>`, found from this test binary's own path
/// (`target/<profile>/deps/examples-<hash>`), so `CARGO_TARGET_DIR` and `--release`
/// are followed. Fails, saying how to build it, when it is missing or older than its
/// source (`cargo test --test examples` alone builds no example).
fn binary(name: &str) -> PathBuf {
    let test_binary = std::env::current_exe().expect("this test binary's path");
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test binary>");
    let binary = profile_dir.join("examples").join(name);
    let build = "build the examples with `cargo build --examples`; plain `cargo test` does";
    let built = std::fs::metadata(&binary)
        .and_then(|meta| meta.modified())
        .unwrap_or_else(|_| panic!("no {}: {build}", binary.display()));
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{name}.rs"));
    let written = std::fs::metadata(&source).and_then(|meta| meta.modified());
    let written = written.unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    assert!(
        built >= written,
        "{} is older than {}: {build}",
        binary.display(),
        source.display()
    );
    binary
}

/// Copies `stream` line by line into `output`; on stdout, sends the port of the first
/// "listening on http://ADDRESS:PORT" line.
fn collect_lines(
    stream: impl Read + Send + 'static,
    output: &Arc<Mutex<String>>,
    mut port: Option<mpsc::Sender<u16>>,
) {
    let output = Arc::clone(output);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let address = line.strip_prefix("listening on http://");
            let bound = address.and_then(|address| address.parse::<SocketAddr>().ok());
            if let (Some(bound), Some(sender)) = (bound, port.take()) {
                let _ = sender.send(bound.port());
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
