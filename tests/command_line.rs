//! The real binary's command line: `--help` and `-h` print the usage on stdout and exit
//! 0, naming every variable the table of docs/configuration.md lists (read from that
//! page itself, so the two cannot drift); an unknown argument, UTF-8 or not, gets the
//! usage on stderr and exit code 2. No database is needed: none of these serve.

use std::ffi::OsStr;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Output, Stdio};

const CONFIGURATION: &str = include_str!("../docs/configuration.md");

fn userapi(args: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_userapi"))
        .args(args)
        .output()
        .expect("run the userapi binary")
}

/// The variables in the first column of docs/configuration.md's table (a cell may hold
/// several, as "`PGSSLCERT`, `PGSSLKEY`").
fn documented_variables() -> Vec<&'static str> {
    let rows = CONFIGURATION
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2); // the header and its `|---|` line
    let variables: Vec<&str> = rows
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .collect();
    assert!(variables.len() >= 12, "parsed {variables:?}");
    variables
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_the_flags_and_every_documented_variable() {
    for flag in ["--help", "-h"] {
        let output = userapi(&[flag.as_ref()]);
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(0), "{flag}: {stderr}");
        assert!(stderr.is_empty(), "{flag} wrote to stderr: {stderr}");
        for name in documented_variables() {
            // Each variable starts a line of the table: a mention in passing is not enough.
            let listed = stdout
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("{name} ")));
            assert!(listed, "{flag}: no line for {name} in:\n{stdout}");
        }
        for other_flag in ["--healthcheck", "--help"] {
            assert!(
                stdout.contains(other_flag),
                "{flag}: no {other_flag} in:\n{stdout}"
            );
        }
    }
}

#[test]
fn help_never_shows_the_password_it_is_given() {
    let output = Command::new(env!("CARGO_BIN_EXE_userapi"))
        .arg("--help")
        .env("DB_PASSWORD", "hunter2-secret")
        .env("DATABASE_URL", "postgres://u:hunter2-secret@h/db")
        .output()
        .expect("run the userapi binary");
    assert_eq!(output.status.code(), Some(0));
    let all = text(&output.stdout) + &text(&output.stderr);
    assert!(!all.contains("hunter2"), "{all}");
    assert!(all.contains("never printed"), "{all}");
}

#[test]
fn an_unknown_argument_gets_the_usage_on_stderr_and_exit_2() {
    for arg in ["--bogus", "--help extra"] {
        let args: Vec<&OsStr> = arg.split(' ').map(OsStr::new).collect();
        let output = userapi(&args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arg}: {stderr}");
        assert!(output.stdout.is_empty(), "{arg}: {}", text(&output.stdout));
        assert!(stderr.contains("unknown argument"), "{arg}: {stderr}");
        assert!(
            stderr.contains("--healthcheck"),
            "{arg}: no usage in {stderr}"
        );
    }
}

#[test]
fn a_non_utf8_argument_is_refused_without_a_panic() {
    let output = userapi(&[OsStr::from_bytes(b"--p\xf6rt")]);
    let stderr = text(&output.stderr);
    // A panic would exit 101 and say "panicked".
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(r#"unknown argument "--p\xF6rt""#),
        "{stderr}"
    );
}

#[test]
fn help_into_a_closed_pipe_is_not_an_error() {
    // `userapi --help | head -0`: the reader is gone before the help is written. The
    // pipe's read end is closed before the start, so the write fails every time.
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills `fds` with two new descriptors, which we then own.
    let (read_end, write_end) = unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0, "pipe(2)");
        (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
    };
    drop(read_end);
    let output = Command::new(env!("CARGO_BIN_EXE_userapi"))
        .arg("--help")
        .stdout(Stdio::from(write_end))
        .output()
        .expect("run the userapi binary");
    let stderr = text(&output.stderr);
    // println! would panic here ("failed printing to stdout"), exit code 101.
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
