//! File descriptors: the soft limit is raised to the hard one at start, and when the
//! server runs out anyway, `accept` backs off, logs once per episode, and new clients
//! are served as soon as descriptors free up.

use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::support::process::Options;
use super::support::{figure, http};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_soft_open_file_limit_is_raised_to_the_hard_one() {
    let options = Options {
        open_files: Some((256, 4096)),
        ..Options::default()
    };
    let (_app, server) = super::server_with(options).await;
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid()))
        .expect("read /proc/PID/limits");
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .expect("a Max open files line");
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers, ["4096", "4096"], "{line}");
    super::output_with(&server, "open-file limit 4096 (soft, was 256), 4096 (hard)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_accept_backs_off_logs_once_and_recovers() {
    let _turn = super::SERIAL.lock().await;
    let options = Options {
        open_files: Some((64, 64)),
        ..Options::default()
    };
    let (_app, server) = super::server_with(options).await;
    // Its database connection is made before the descriptors run out.
    super::output_with(&server, "database: connected").await;
    // More idle connections than the server has descriptors left (20 more): the kernel
    // completes them all (the listen queue), the server can accept only some. Not
    // many more, so that once the first ones time out the rest fit: one episode.
    let spare = 64 - server.open_fds();
    let mut idle = Vec::new();
    for _ in 0..spare + 20 {
        idle.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    let started = Instant::now();
    // The idle connections are closed by the header timeout (10 s); a new client is
    // then accepted and answered.
    let answered = tokio::time::timeout(
        Duration::from_secs(30),
        http::send(server.addr, "GET", "/", &[], b""),
    )
    .await
    .expect("a new client was not answered within 30 s");
    assert_eq!(answered.status, 200);
    figure(&format!(
        "descriptors: with 64 fds and 20 idle connections more than fit, a new client was answered after {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    // Many accepts failed (ten a second for ten seconds); one line says so.
    let output = server.output();
    let failures = output.matches("server: accept failed").count();
    assert_eq!(
        failures, 1,
        "one line per episode, not per failure:\n{output}"
    );
    drop(idle);
}
