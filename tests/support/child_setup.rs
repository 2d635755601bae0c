//! What a test's child process is given before it runs, between fork and exec: a
//! death with the test, an open-file limit, and its own `/etc/hosts`.
//!
//! `PR_SET_PDEATHSIG` kills the child when the test binary dies, so a crashing test
//! leaves no server behind. The hosts file is how a test gives a host name two
//! addresses without a DNS server and without touching the machine's file: the child
//! enters a mount namespace of its own (`unshare(CLONE_NEWNS)`, as `unshare -m` does),
//! makes its mounts private so nothing propagates back, and bind-mounts the test's
//! file over `/etc/hosts`; getaddrinfo in the child then reads it. That needs
//! CAP_SYS_ADMIN (root, as in CI); [`possible`] says whether this machine allows it.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// Makes `command`'s child die with the test, and, given `(soft, hard)`, limits its
/// open files (RLIMIT_NOFILE).
pub fn die_with_the_test(command: &mut Command, open_files: Option<(u64, u64)>) {
    // SAFETY: prctl and setrlimit are async-signal-safe; they only change the child.
    unsafe {
        command.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if let Some((soft, hard)) = open_files {
                let limit = libc::rlimit {
                    rlim_cur: soft,
                    rlim_max: hard,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Makes `command`'s child read `file` as its `/etc/hosts`. The child fails to start
/// (spawn returns the error) where mount namespaces are not allowed.
pub fn use_hosts_file(command: &mut Command, file: &Path) {
    // Built before the fork: allocating between fork and exec is not safe.
    let source = CString::new(file.as_os_str().as_bytes()).expect("a path without NUL");
    // SAFETY: unshare and mount are system calls, async-signal-safe; the pointers are
    // to CStrings that outlive the closure and to static literals.
    unsafe {
        command.pre_exec(move || {
            if libc::unshare(libc::CLONE_NEWNS) != 0
                || libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) != 0
                || libc::mount(
                    source.as_ptr(),
                    c"/etc/hosts".as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND,
                    std::ptr::null(),
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Whether a child can be given its own `/etc/hosts` here: `true` run that way.
pub fn possible() -> bool {
    let mut probe = Command::new("true");
    probe.stdout(Stdio::null()).stderr(Stdio::null());
    use_hosts_file(&mut probe, Path::new("/etc/hosts"));
    probe.status().is_ok_and(|status| status.success())
}
