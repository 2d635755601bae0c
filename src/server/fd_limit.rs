//! Raising the open-file limit at start: what nginx's `worker_rlimit_nofile` does, and
//! what a Python service leaves to its launcher (`ulimit -n` in a shell script, or
//! `resource.setrlimit` by hand; uvicorn does neither).
//!
//! Every connection is a file descriptor. A process starts with a *soft* limit (often
//! 1,024, for old `select()`-based programs) and may raise it to the *hard* limit
//! (often 524,288 under systemd or Docker) without any privilege. A server that uses
//! epoll, as tokio does, has no reason to stay at 1,024: past it, `accept` fails and
//! new clients wait in the kernel's queue.
//!
//! The runtime crates expose no `setrlimit`, and adding `libc` for two calls is more
//! than they are worth: the C library is linked anyway, so the two functions are
//! declared here (Linux's layout of `struct rlimit`: two 64-bit counts).

/// The soft and hard `RLIMIT_NOFILE` before and after [`raise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Raised {
    pub soft_before: u64,
    pub soft_now: u64,
    pub hard: u64,
}

#[cfg(target_os = "linux")]
mod sys {
    #[repr(C)]
    pub struct Rlimit {
        pub current: u64,
        pub maximum: u64,
    }

    /// `RLIMIT_NOFILE` on Linux (every architecture but alpha, mips and sparc, which
    /// this server is not built for).
    pub const RLIMIT_NOFILE: i32 = 7;

    unsafe extern "C" {
        pub fn getrlimit(resource: i32, limit: *mut Rlimit) -> i32;
        pub fn setrlimit(resource: i32, limit: *const Rlimit) -> i32;
    }
}

/// The kernel's default `fs.nr_open`, the most descriptors a process may ever have.
const NR_OPEN_DEFAULT: u64 = 1 << 20;

/// Raises the soft limit on open files to the hard limit. `Err` says why not.
#[cfg(target_os = "linux")]
pub fn raise() -> Result<Raised, std::io::Error> {
    let mut limit = sys::Rlimit {
        current: 0,
        maximum: 0,
    };
    // SAFETY: `limit` is a valid, writable `struct rlimit` for the call's duration.
    if unsafe { sys::getrlimit(sys::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let soft_before = limit.current;
    // An unlimited hard limit still meets the kernel's `fs.nr_open` cap (2^20 by
    // default): asking for more than that fails.
    let target = limit.maximum.min(NR_OPEN_DEFAULT);
    if limit.current < target {
        limit.current = target;
        // SAFETY: `limit` is a valid `struct rlimit`; the kernel only reads it.
        if unsafe { sys::setrlimit(sys::RLIMIT_NOFILE, &limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(Raised {
        soft_before,
        soft_now: limit.current,
        hard: limit.maximum,
    })
}

#[cfg(not(target_os = "linux"))]
pub fn raise() -> Result<Raised, std::io::Error> {
    Err(std::io::Error::other("only done on Linux"))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_ends_at_the_hard_limit() {
        let raised = raise().expect("getrlimit/setrlimit");
        assert_eq!(raised.soft_now, raised.hard.min(NR_OPEN_DEFAULT));
        assert!(raised.soft_before <= raised.soft_now);
    }
}
