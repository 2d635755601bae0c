//! A test binary leaves no PostgreSQL cluster behind when it exits: neither the
//! postmaster nor its ~55 MB directory in the temp dir (`support/postgres_exit.rs`).
//!
//! The only way to watch a process exit is to be another one: the test runs this very
//! binary again as a child, with a filter selecting [`child_starts_the_shared_cluster`]
//! and an environment variable that lets that test do its work (in a normal run it
//! returns at once). The child starts the shared cluster, says where it is, and exits;
//! then the parent looks for what it left.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Set only in the child run.
const CHILD: &str = "USERAPI_TEST_CLUSTER_CLEANUP_CHILD";

/// The temp-dir entries of the clusters process `pid` created.
fn cluster_directories(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("userapi-test-{pid}-");
    std::fs::read_dir(std::env::temp_dir())
        .expect("read the temp dir")
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect()
}

/// Whether a process with this pid runs with `dir` on its command line (so a pid the
/// kernel handed to someone else since does not count).
fn postmaster_running(pid: &str, dir: &str) -> bool {
    let cmdline = std::fs::read(Path::new("/proc").join(pid).join("cmdline"));
    cmdline.is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(dir))
}

/// The child's part: start the cluster and print `cluster <dir> postmaster <pid>`.
#[test]
fn child_starts_the_shared_cluster() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    support::shared_postgres();
    for dir in cluster_directories(std::process::id()) {
        let pid_file = std::fs::read_to_string(dir.join("data/postmaster.pid"))
            .expect("a running cluster has a postmaster.pid");
        let pid = pid_file.lines().next().unwrap_or_default();
        println!("cluster {} postmaster {pid}", dir.display());
    }
}

#[test]
fn a_test_binary_removes_its_cluster_when_it_exits() {
    if std::env::var_os("DATABASE_URL").is_some() {
        eprintln!("nothing to check: DATABASE_URL is set, so no test starts a cluster");
        return;
    }
    let child = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["child_starts_the_shared_cluster", "--exact", "--nocapture"])
        .env(CHILD, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run this test binary again");
    let child_pid = child.id();
    let output = child.wait_with_output().expect("wait for the child run");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        output.status.success(),
        "the child run failed:\n{stdout}\n{stderr}"
    );
    let clusters: Vec<(&str, &str)> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("cluster ")?.split_once(" postmaster "))
        .collect();
    if clusters.is_empty() && stderr.contains("postgres:15 container") {
        eprintln!("nothing to check: the tests run PostgreSQL in Docker here");
        return;
    }
    assert_eq!(
        clusters.len(),
        1,
        "one cluster expected:\n{stdout}\n{stderr}"
    );
    let (dir, postmaster) = clusters[0];
    let mut problems = Vec::new();
    if postmaster_running(postmaster, dir) {
        problems.push(format!("postmaster {postmaster} of {dir} still runs"));
    }
    let left = cluster_directories(child_pid);
    if !left.is_empty() {
        problems.push(format!("cluster directories still there: {left:?}"));
    }
    assert!(
        problems.is_empty(),
        "after its test binary exited:\n{}",
        problems.join("\n")
    );
}
