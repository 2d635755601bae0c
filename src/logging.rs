//! Logging that never blocks, never panics, and costs no syscall per line: what
//! uvicorn's access log and Python's `logging` handlers do, made safe for a pipe that
//! nobody drains.
//!
//! `println!` writes to stdout on the request path and panics when the write fails: a
//! closed stdout (`userapi | head -c1`) made every later request panic, and a stdout
//! nobody reads (a stalled log driver) blocked the request until the server hung.
//! Python's `logging.StreamHandler` has the same blocking problem and swallows the
//! error with a traceback on stderr (`handleError`); uvicorn inherits both.
//!
//! Here a line is appended to a bounded in-memory buffer ([`Stream`]), one for stdout
//! (the access log) and one for stderr (everything else, through [`log!`](log)).
//! A thread of its own per stream takes the whole buffer and writes it with one
//! `write`, so a thousand lines cost one syscall, and only that thread ever waits on the
//! pipe. When the buffer is full (the pipe stalled), new lines are dropped and counted,
//! and the count is reported on stderr at most once a minute. When a write fails (the
//! reader closed the pipe), that stream stops for good, with one line on stderr.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Bytes a stream may hold waiting for its writer: about 10,000 access-log lines.
const BUFFER_LIMIT: usize = 1 << 20;
/// After each write, the writer lets lines gather this long: few large writes.
const GATHER: Duration = Duration::from_millis(5);
/// Dropped lines are reported at most this often.
const DROP_REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Logs one line on stderr without blocking or panicking; `format!`-style arguments.
/// Reach it as `crate::logging::log!` (or `userapi::logging::log!` from `main.rs`).
///
/// A `macro_rules!` macro is, unlike a function, visible only below where it is
/// defined unless `#[macro_export]` hoists it to the crate root; the binary needs it
/// too, so it is exported under a hidden name and re-exported here, where it lives.
#[doc(hidden)]
#[macro_export]
macro_rules! __log_line {
    ($($arg:tt)*) => {
        $crate::logging::stderr().line(format_args!($($arg)*))
    };
}
pub use crate::__log_line as log;

/// One output stream: the lines waiting for its writer thread, and its counters.
pub struct Stream {
    target: Target,
    pending: Mutex<Pending>,
    wake_writer: Condvar,
    /// Lines thrown away because the buffer was full; never reset (for metrics).
    dropped: AtomicU64,
    /// Set when a write failed: nothing is buffered any more.
    closed: AtomicBool,
    /// When drops were last reported, in seconds since [`started`]; [`NEVER`] at first.
    last_drop_report: AtomicU64,
}

const NEVER: u64 = u64::MAX;

/// The clock the drop reports are timed by.
fn started() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
    Stdout,
    Stderr,
}

struct Pending {
    bytes: Vec<u8>,
    /// The writer is asleep on the condvar and needs a wake-up (one syscall); while it
    /// is busy or gathering, appending is just a copy under an uncontended lock.
    writer_parked: bool,
    writer_started: bool,
}

/// The access log's stream (stdout).
pub fn stdout() -> &'static Stream {
    static STDOUT: OnceLock<Stream> = OnceLock::new();
    STDOUT.get_or_init(|| Stream::new(Target::Stdout))
}

/// The diagnostics' stream (stderr).
pub fn stderr() -> &'static Stream {
    static STDERR: OnceLock<Stream> = OnceLock::new();
    STDERR.get_or_init(|| Stream::new(Target::Stderr))
}

/// Waits up to `limit` for both streams to write what they hold: call before exiting,
/// or the last lines (the shutdown messages) are lost with the process.
pub fn flush(limit: Duration) {
    let deadline = Instant::now() + limit;
    for stream in [stdout(), stderr()] {
        while !stream.is_drained() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Stream {
    fn new(target: Target) -> Stream {
        Stream {
            target,
            pending: Mutex::new(Pending {
                bytes: Vec::new(),
                writer_parked: false,
                writer_started: false,
            }),
            wake_writer: Condvar::new(),
            dropped: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            last_drop_report: AtomicU64::new(NEVER),
        }
    }

    /// Appends `line` and a newline, or drops it if the buffer is full.
    pub fn line(&'static self, line: std::fmt::Arguments<'_>) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let mut pending = self.lock();
        if pending.bytes.len() >= BUFFER_LIMIT {
            drop(pending);
            self.count_drop();
            return;
        }
        // Formatting straight into the buffer: no allocation per line. Writing to a
        // `Vec` cannot fail.
        let _ = pending.bytes.write_fmt(line);
        pending.bytes.push(b'\n');
        if !pending.writer_started {
            pending.writer_started = true;
            self.start_writer();
        }
        if pending.writer_parked {
            pending.writer_parked = false;
            drop(pending);
            self.wake_writer.notify_one();
        }
    }

    /// Counts a dropped line, and says so on stderr at most once a minute. Said here,
    /// not by the writer thread: a stalled stream's writer is stuck in `write`.
    fn count_drop(&self) {
        let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        if self.target == Target::Stderr {
            // Reporting a full stderr on stderr would only drop another line.
            return;
        }
        let now = started().elapsed().as_secs();
        let last = self.last_drop_report.load(Ordering::Relaxed);
        let due = last == NEVER || now >= last + DROP_REPORT_INTERVAL.as_secs();
        let claimed = due
            && self
                .last_drop_report
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        if claimed {
            log!("logging: stdout is not keeping up; {dropped} access-log lines dropped so far");
        }
    }

    /// Lines dropped so far because the stream could not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn is_drained(&self) -> bool {
        let pending = self.lock();
        pending.bytes.is_empty() && (pending.writer_parked || !pending.writer_started)
            || self.closed.load(Ordering::Relaxed)
    }

    /// A poisoned lock only means a thread panicked while holding it; the bytes are
    /// still bytes, so logging carries on.
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn start_writer(&'static self) {
        let name = match self.target {
            Target::Stdout => "log-stdout",
            Target::Stderr => "log-stderr",
        };
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || self.write_forever());
        if spawned.is_err() {
            // No thread, no logging: better than blocking requests on the pipe.
            self.closed.store(true, Ordering::Relaxed);
        }
    }

    /// The writer thread: take everything buffered, write it in one go, repeat.
    fn write_forever(&'static self) {
        let mut batch = Vec::new();
        loop {
            {
                let mut pending = self.lock();
                while pending.bytes.is_empty() {
                    pending.writer_parked = true;
                    pending = self
                        .wake_writer
                        .wait(pending)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                std::mem::swap(&mut batch, &mut pending.bytes);
            }
            if let Err(err) = self.write_out(&batch) {
                self.closed.store(true, Ordering::Relaxed);
                if self.target == Target::Stdout {
                    log!("logging: stdout failed ({err}); access log stopped");
                }
                return;
            }
            batch.clear();
            // A burst's big buffer is not kept for ever.
            batch.shrink_to(64 * 1024);
            std::thread::sleep(GATHER);
        }
    }

    fn write_out(&self, bytes: &[u8]) -> std::io::Result<()> {
        // `lock()` returns a handle to the unbuffered stream; errors come back as
        // values (Rust ignores SIGPIPE, so a closed pipe is EPIPE, not a kill).
        match self.target {
            Target::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()
            }
            Target::Stderr => std::io::stderr().lock().write_all(bytes),
        }
    }
}
