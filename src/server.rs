//! The HTTP server: what uvicorn did for the seed.
//!
//! Uvicorn accepts TCP connections, speaks HTTP/1.1 on each, calls the app once per
//! request, prints an access-log line, closes idle keep-alive connections, and on
//! SIGTERM stops accepting and lets requests in flight finish. [`run`] is that loop on
//! hyper: one tokio task per connection, timers for slow clients (hyper's header
//! timeout, and [`WriteDeadline`] for clients that stop reading), and hyper-util's
//! `GracefulShutdown` to drain. Like uvicorn, which is handed `app`, it knows no
//! routes: it calls `app(request)` through the [`App`] trait and sends back the
//! response. The one request it recognises is its own binary's health probe
//! ([`HEALTH_PROBE_USER_AGENT`]), whose successes it leaves out of the access log. The
//! listener ([`listen`]) and the shutdown signal come from the caller, so tests can
//! bind port 0 and stop the server when they like. It counts its open connections for
//! `/metrics` ([`metrics::connections`]); what each request was is the app's to record.
//! [`fd_limit`] raises the open-file limit before it starts, as uvicorn leaves to the
//! shell's `ulimit`; `accept_failures` decides which failed accepts to skip and which
//! to wait out.
//!
//! Inside, top to bottom: `accept_failures`, [`fd_limit`], [`unsent_limit`],
//! [`write_deadline`].

mod accept_failures;
pub mod fd_limit;
pub mod unsent_limit;
pub mod write_deadline;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::http::response::Body;
use crate::logging::{self, log};
use crate::metrics;
use crate::metrics::connections::OpenConnection;
use accept_failures::{ACCEPT_BACKOFF, AcceptFailures, is_per_connection};
use write_deadline::{WRITE_STALL_LIMIT, WriteDeadline};

/// A client must finish sending a request's headers within this time (slowloris
/// defence); it also bounds how long an idle keep-alive connection stays open. A total,
/// like nginx's `client_header_timeout`, not a progress rule (docs/reliability.md: why).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// On shutdown, requests in flight get this long to finish before we exit anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);
/// The access log prints at most this many characters of a method or path: a 60 KB
/// path is a valid request, but a log line of that size per request would flood the log.
const LOG_FIELD_MAX: usize = 200;
/// Connections the kernel queues for us before we accept them. `TcpListener::bind`
/// uses 128 (the standard library's value): a burst of more new connections than that
/// overflows the queue, and the clients that lose wait a full second for TCP to resend
/// their SYN. uvicorn uses 2048; the kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 2048;
/// The most a connection's read buffer may hold. hyper grows it by doubling, up to
/// ~400 KB by default, whenever a read fills it: a client that sends a body faster
/// than it is consumed (200 clients, 60 KB each in 1-byte chunks) got that much each.
/// 64 KiB holds any head hyper would accept anyway (its URI limit is 64 KB; a longer
/// head is a 431) and put the 200-client flood at a 40-46 MiB peak, against 57-58 MiB
/// with 128 KiB in the same minutes (`bench/scale.sh chunk-flood`). nginx reads a head
/// into at most 4 × 8 KB and a body through a 16 KB buffer; uvicorn (h11) refuses
/// heads over 16 KB.
const READ_BUFFER_MAX: usize = 64 * 1024;
/// The `User-Agent` of `userapi --healthcheck`. Docker runs that probe every 5 s, and
/// its `GET / 200` lines were a third of a quiet minute's access log, looking like a
/// client's. A request with this agent *from the loopback interface* (the probe runs
/// inside the container) that succeeds is left out of the access log; a failing one
/// is logged, and a client elsewhere cannot hide its requests by borrowing the name.
/// uvicorn logs every request; FastAPI users add a `logging.Filter` on
/// `uvicorn.access` for their health route, or run with `--no-access-log`.
pub const HEALTH_PROBE_USER_AGENT: &str = "userapi-healthcheck";

/// What the server calls once per request, as uvicorn calls an ASGI app: a request
/// in, a response out. Each request gets a clone (so the future owns what it uses
/// and lives on its own); keep it cheap to clone. The bounds say what Python leaves to
/// luck: `Clone` (a copy per request), `Send + Sync` (it may move to, and be shared
/// with, any of the runtime's threads), `'static` (it borrows nothing that could end
/// before it does: it owns what it holds).
pub trait App: Clone + Send + Sync + 'static {
    /// The `listener` label of this app's connections in `/metrics` (`api`, `admin`).
    const LISTENER: &'static str;

    /// `-> impl Future` is a trait's `async def`: implementors write `async fn call`.
    fn call(self, request: Request<Incoming>) -> impl Future<Output = Response<Body>> + Send;
}

/// Binds `addr` for [`run`], with a listen queue of [`LISTEN_BACKLOG`].
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // Rebind at once after a restart, as `TcpListener::bind` does.
    socket.set_reuseaddr(true)?;
    unsent_limit::apply(&socket);
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `listener` with `app` until `shutdown` completes, then drains connections.
/// (`impl Future<...>` as a parameter: any type that is a future of `()`, the way a
/// Python signature would say `shutdown: Awaitable[None]`.)
pub async fn run<A: App>(listener: TcpListener, app: A, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let connections = metrics::connections::listener(A::LISTENER);
    let mut accept_failures = AcceptFailures::default();
    // `pin!` fixes the future in place so each loop can poll it again; `select!` runs
    // whichever branch is ready first (asyncio's FIRST_COMPLETED) and drops the other.
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    accept_failures.accepted();
                    serve_connection(stream, app.clone(), &graceful, connections.accepted());
                }
                // The client gave up before we accepted it: nothing to wait for. (`if`
                // after a pattern is a guard: the arm is taken only when it holds.)
                Err(err) if is_per_connection(&err) => {}
                Err(err) => {
                    accept_failures.failed(&err);
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    // Closing the listener makes new connections fail at once.
    drop(listener);
    let name = A::LISTENER;
    log!("server: shutting down ({name}), finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => log!("server: all connections closed ({name})"),
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            log!("server: gave up waiting for connections ({name}) after {SHUTDOWN_GRACE:?}");
        }
    }
}

/// Spawns the task that speaks HTTP/1.1 on one connection.
fn serve_connection(
    stream: TcpStream,
    app: impl App,
    graceful: &GracefulShutdown,
    open: OpenConnection,
) {
    // Small responses should leave at once, not wait for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    let from_loopback = stream.peer_addr().is_ok_and(|peer| peer.ip().is_loopback());
    // `service_fn`: this closure is what hyper calls per request (uvicorn calling `app`).
    let service = service_fn(move |request: Request<Incoming>| {
        let started = Instant::now();
        let method = request.method().clone();
        // A counted reference to the bytes hyper parsed, not a copy of the path.
        let uri = request.uri().clone();
        let health_probe = from_loopback && is_health_probe(&request);
        let answer = app.clone().call(request);
        // `async move`: an anonymous coroutine that takes ownership of what it uses.
        async move {
            let response = answer.await;
            if health_probe && response.status().is_success() {
                return Ok(response);
            }
            // uvicorn's access log: method, path, status, duration. Written once the
            // app has answered and before hyper sends the response (uvicorn logs when
            // the response starts too), so the duration leaves out the writing. Handed
            // to the log writer's buffer; never a write to stdout from here.
            let (method, method_cut) = clipped(method.as_str());
            let (path, path_cut) = clipped(uri.path());
            logging::stdout().line(format_args!(
                "{method}{method_cut} {path}{path_cut} {} {:.1}ms",
                response.status().as_u16(),
                started.elapsed().as_secs_f64() * 1000.0
            ));
            // hyper wants a `Result`; `Ok::<_, Infallible>` names its error type, one
            // that has no values: this cannot fail.
            Ok::<_, Infallible>(response)
        }
    });
    let io = TokioIo::new(WriteDeadline::new(stream, WRITE_STALL_LIMIT));
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(READ_BUFFER_MAX)
        .keep_alive(true)
        .serve_connection(io, service);
    let connection = graceful.watch(connection);
    // A task per connection (`asyncio.create_task`, on any core); nothing here blocks,
    // so FastAPI's threadpool for plain `def` routes has no counterpart.
    tokio::spawn(async move {
        // Errors here are the client's doing (reset, timeout, bad request line, a
        // stalled write); hyper has already answered what could be answered.
        let _ = connection.await;
        // Counted open until here, however the connection ended.
        drop(open);
    });
}

/// Whether the request says it is `userapi --healthcheck` (see [`HEALTH_PROBE_USER_AGENT`]).
fn is_health_probe<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get(hyper::header::USER_AGENT)
        .is_some_and(|agent| agent == HEALTH_PROBE_USER_AGENT)
}

/// `text` cut to [`LOG_FIELD_MAX`] characters, and a `…` to print after it if it was
/// cut. Two slices rather than a new `String`: the log line costs no allocation.
fn clipped(text: &str) -> (&str, &str) {
    match text.char_indices().nth(LOG_FIELD_MAX) {
        Some((end, _)) => (&text[..end], "…"),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_fields_are_clipped_at_the_limit() {
        assert_eq!(clipped("/users/1"), ("/users/1", ""));
        let long = "é".repeat(LOG_FIELD_MAX + 50);
        let (shown, cut) = clipped(&long);
        assert_eq!(shown.chars().count(), LOG_FIELD_MAX);
        assert_eq!(cut, "…");
    }
}
