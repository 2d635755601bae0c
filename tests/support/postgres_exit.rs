//! The throwaway clusters this test binary created, stopped and deleted when it exits.
//!
//! The shared cluster lives in a `static`, whose `Drop` never runs: `PR_SET_PDEATHSIG`
//! kills its postmaster when the binary exits, but its directory (some 55 MB) stayed in
//! the temp dir until the next run swept it (`remove_stale_directories`). So each
//! cluster's directory and running postmaster are recorded here, and an `atexit` hook
//! (as `postgres_container.rs` has for containers) sends the postmasters SIGQUIT,
//! waits until each is reaped, and removes the directories. A cluster dropped before
//! the exit (`own_cluster()`) cleans up in its own `Drop` and is forgotten here.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

/// How long the exit waits for the postmasters: an immediate shutdown takes
/// milliseconds; past this, the directories go anyway (PDEATHSIG still stops them).
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

struct Owned {
    directories: Vec<PathBuf>,
    /// Postmasters started and not yet reaped (their waiting thread removes them).
    running: Vec<i32>,
}

static OWNED: Mutex<Owned> = Mutex::new(Owned {
    directories: Vec::new(),
    running: Vec::new(),
});

fn owned() -> MutexGuard<'static, Owned> {
    OWNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A cluster directory was created: delete it at exit unless [`removed`] first.
pub fn created(dir: &Path) {
    static HOOK: Once = Once::new();
    // SAFETY: registers a plain `extern "C" fn()` to run at process exit.
    HOOK.call_once(|| unsafe {
        libc::atexit(remove_ours);
    });
    owned().directories.push(dir.to_path_buf());
}

/// The cluster's `Drop` removed the directory itself.
pub fn removed(dir: &Path) {
    owned().directories.retain(|owned| owned != dir);
}

/// A postmaster was started (the pid of our child process).
pub fn started(pid: i32) {
    owned().running.push(pid);
}

/// That postmaster has exited and been reaped: its pid is no longer ours to signal.
pub fn exited(pid: i32) {
    owned().running.retain(|&running| running != pid);
}

/// The `atexit` hook. Other threads still run while it does, so the threads waiting on
/// the postmasters reap them and report it through [`exited`].
extern "C" fn remove_ours() {
    let running = owned().running.clone();
    for &pid in &running {
        // SAFETY: kill(2) on a child of ours that was not reaped a moment ago (its
        // waiting thread takes it out of `running` when it is), so still our postmaster.
        unsafe { libc::kill(pid, libc::SIGQUIT) };
    }
    let deadline = Instant::now() + STOP_TIMEOUT;
    while !owned().running.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let directories = std::mem::take(&mut owned().directories);
    for dir in directories {
        // As root the files belong to `postgres`; root may delete them all the same.
        let _ = fs::remove_dir_all(dir);
    }
}
