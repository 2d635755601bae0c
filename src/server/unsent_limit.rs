//! How much the kernel holds for a client that does not read: `TCP_NOTSENT_LOWAT` on
//! the listener, which every accepted connection inherits.
//!
//! uvicorn and nginx leave the kernel's send buffers as the system sets them (nginx
//! has `listen ... sndbuf=` for those who want a cap). Linux grows a connection's send
//! buffer by itself up to `net.ipv4.tcp_wmem`'s maximum, and it does so for a client
//! that reads nothing as readily as for one that reads: the server goes on writing
//! answers into the buffer until it is full. So the work of cutting stalled clients
//! grew with their number times the buffer's size, and once the kernel's TCP memory
//! reached its pressure threshold (`net.ipv4.tcp_mem`) it held back writes on *every*
//! socket: when some closed, the others could write again, which restarted their
//! write-stall limit, and they closed in waves.
//!
//! [`UNSENT_MAX`] bounds what may wait in the kernel *unsent* (beyond what the
//! client's window lets through): a write blocks once more than that is queued. What
//! is in flight to a client that reads is not limited, so a fast client over a long
//! path keeps its speed; a client that stops costs the server 256 KiB of answers. Not
//! less: the unsent queue is also the slack between a reader and the server, which
//! must be scheduled to refill it, and a smaller one slowed big lists down.
//! docs/reliability.md ("Limits that hold on a starved machine") has the figures.
//!
//! The runtime crates expose no `setsockopt` for it (tokio's socket has the send
//! buffer size, which would also cap what is in flight); as in `fd_limit.rs`, the C
//! library's function is declared here.

use tokio::net::TcpSocket;

/// Unsent bytes the kernel may hold per connection before a write blocks.
pub const UNSENT_MAX: u32 = 256 * 1024;

#[cfg(target_os = "linux")]
mod sys {
    /// `IPPROTO_TCP` and `TCP_NOTSENT_LOWAT` (Linux 3.12+), from `<netinet/tcp.h>`.
    pub const IPPROTO_TCP: i32 = 6;
    pub const TCP_NOTSENT_LOWAT: i32 = 25;

    unsafe extern "C" {
        pub fn setsockopt(fd: i32, level: i32, name: i32, value: *const u32, len: u32) -> i32;
    }
}

/// Sets [`UNSENT_MAX`] on the listening `socket` (before `listen`, so that accepted
/// connections inherit it). If the kernel refuses, the server logs why and runs
/// without it, as it did before: the limit is a defence, not a need.
pub fn apply(socket: &TcpSocket) {
    if let Err(err) = set(socket) {
        crate::logging::log!("server: no limit on unsent data per connection: {err}");
    }
}

#[cfg(target_os = "linux")]
fn set(socket: &TcpSocket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let value = UNSENT_MAX;
    // SAFETY: a valid descriptor owned by `socket` for the call's duration, and a
    // pointer to a `u32` (the `int` the option takes) with its size.
    let set = unsafe {
        sys::setsockopt(
            socket.as_raw_fd(),
            sys::IPPROTO_TCP,
            sys::TCP_NOTSENT_LOWAT,
            &value,
            size_of::<u32>() as u32,
        )
    };
    if set != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set(_socket: &TcpSocket) -> std::io::Result<()> {
    Err(std::io::Error::other("only done on Linux"))
}
