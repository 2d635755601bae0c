//! What this machine offers for running PostgreSQL from its binaries: where they are,
//! which user may run them (PostgreSQL refuses root), and the leftovers of earlier
//! test runs that died before they could clean up.

use std::fs;
use std::path::{Path, PathBuf};

/// The directory holding `initdb` and `postgres`: PATH first, then the newest Debian
/// install under /usr/lib/postgresql.
pub fn find_server_binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    let mut debian: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .collect();
    debian.sort_by_key(|dir| version_of(dir));
    on_path
        .chain(debian.into_iter().rev())
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
}

fn version_of(bin: &Path) -> u32 {
    let version = bin.parent().and_then(Path::file_name);
    version.and_then(|v| v.to_str()?.parse().ok()).unwrap_or(0)
}

/// Directories left by test binaries that were killed before they could clean up.
pub fn remove_stale_directories() {
    let entries = fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .flatten();
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("userapi-test-")
            .and_then(|s| s.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// `Some((uid, gid))` of the `postgres` user when we run as root.
pub fn postgres_user_if_root() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid cannot fail; getpwnam returns a pointer into static storage that
    // we read at once.
    unsafe {
        if libc::geteuid() != 0 {
            return Ok(None);
        }
        let user = libc::getpwnam(c"postgres".as_ptr());
        if user.is_null() {
            return Err(
                "running as root, and there is no `postgres` user to run PostgreSQL as \
                 (PostgreSQL refuses root; `apt-get install postgresql` creates the user)"
                    .into(),
            );
        }
        Ok(Some(((*user).pw_uid, (*user).pw_gid)))
    }
}
