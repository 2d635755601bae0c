//! Fault 4: SIGTERM during load. Requests in flight complete, new connections are
//! refused, and the process exits within 10 s.
//!
//! "In flight" is made exact rather than hoped for: each such request sends its
//! headers with `Expect: 100-continue` and holds its body back. The server's `100
//! Continue` proves the request has reached the route and is waiting for the body. Then
//! SIGTERM, then the bodies: each must still get its 201. Meanwhile other clients open
//! a connection per request; each must get a whole answer or no connection at all. One
//! more client has sent half its headers and stalls: the exit may not wait for it
//! beyond the server's shutdown grace.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::sleep;

use super::support::{self, http};
use super::{SERIAL, assert_no_secret, blocking, cluster_and_server, until_status};

const IN_FLIGHT: usize = 4;
const LOADERS: usize = 4;
const EXIT_LIMIT: Duration = Duration::from_secs(10);

/// What one load request met.
#[derive(Debug, PartialEq)]
enum Seen {
    Answered(u16),
    /// Connection refused (or reset while connecting): the listener was closed.
    Refused,
    /// Accepted by the kernel while the listener closed, then reset; no byte of answer.
    ClosedUnanswered,
    /// Part of an answer, or another error: what must never happen.
    Broken(String),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_in_time() {
    let _turn = SERIAL.lock().await;
    let (cluster, mut server) = cluster_and_server();
    let addr = server.addr;
    until_status(addr, "/users", 200, Duration::from_secs(10)).await;

    let mut in_flight = Vec::new();
    for n in 0..IN_FLIGHT {
        let body = json!({"name": "In flight", "email": format!("f{n}@stop.test"), "age": n});
        let body = body.to_string();
        let mut connection = http::Connection::open(addr).await.expect("connect");
        let head = format!(
            "POST /users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
             Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        connection
            .write(head.as_bytes())
            .await
            .expect("send headers");
        let go_on = connection.read_response().await.expect("100 Continue");
        assert_eq!(go_on.status, 100);
        in_flight.push((connection, body));
    }
    let mut stalled = TcpStream::connect(addr).await.expect("connect");
    stalled
        .write_all(b"GET /users HTTP/1.1\r\nHost: t\r\n")
        .await
        .expect("send half the headers");
    let stop_loading = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let loaders: Vec<_> = (0..LOADERS)
        .map(|_| tokio::spawn(load(addr, stop_loading.clone(), answered.clone())))
        .collect();
    // SIGTERM only once the load is under way.
    while answered.load(Ordering::Relaxed) < 20 * LOADERS {
        sleep(Duration::from_millis(5)).await;
    }

    let sigterm = Instant::now();
    server.terminate();
    let mut refused_after = None;
    while sigterm.elapsed() < Duration::from_secs(5) {
        // A connect racing the listener's close may also be reset; try again.
        match TcpStream::connect(addr).await {
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
                refused_after = Some(sigterm.elapsed());
                break;
            }
        }
    }
    let refused_after = refused_after.expect("new connections refused after SIGTERM");
    stop_loading.store(true, Ordering::Relaxed);

    let mut bodies = String::new();
    for (mut connection, body) in in_flight {
        connection
            .write(body.as_bytes())
            .await
            .expect("send the body");
        let response = connection.read_response().await.expect("an answer");
        assert_eq!(response.status, 201, "{}", response.text());
        bodies.push_str(&response.text());
    }
    let status = blocking(|| server.wait_exit(EXIT_LIMIT));
    let exited_after = sigterm.elapsed();
    assert!(status.is_some_and(|s| s.success()), "exit: {status:?}");

    let mut seen = Vec::new();
    for loader in loaders {
        seen.extend(loader.await.expect("loader task"));
    }
    let answered = seen
        .iter()
        .filter(|s| matches!(s, Seen::Answered(_)))
        .count();
    let refused = seen.iter().filter(|s| **s == Seen::Refused).count();
    let unanswered = seen
        .iter()
        .filter(|s| **s == Seen::ClosedUnanswered)
        .count();
    support::figure(&format!(
        "graceful stop: {IN_FLIGHT}/{IN_FLIGHT} requests in flight answered 201, new \
         connections refused {refused_after:?} after SIGTERM, exit {exited_after:?} after \
         SIGTERM (a client stalled mid-headers held it for the shutdown grace); load: {answered} answered, {refused} refused, {unanswered} accepted by \
         the kernel as the listener closed and reset unanswered"
    ));
    let broken: Vec<_> = seen
        .iter()
        .filter(|s| matches!(s, Seen::Broken(_)))
        .collect();
    assert!(broken.is_empty(), "{broken:?}");
    assert!(
        seen.iter()
            .all(|s| !matches!(s, Seen::Answered(n) if *n != 200)),
        "{seen:?}"
    );
    assert!(exited_after < EXIT_LIMIT);
    let db = support::connect(&cluster.config()).await;
    let stored = db
        .query_one(
            "SELECT count(*) FROM users WHERE email LIKE '%@stop.test'",
            &[],
        )
        .await
        .expect("count");
    assert_eq!(stored.get::<_, i64>(0), IN_FLIGHT as i64);
    assert_no_secret(&server, &bodies);
}

/// `GET /users` on a new connection per request until `stop`, then once more after.
async fn load(addr: SocketAddr, stop: Arc<AtomicBool>, answered: Arc<AtomicUsize>) -> Vec<Seen> {
    let mut seen = Vec::new();
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        seen.push(match http::Connection::open(addr).await {
            // Reset during the handshake: the connect raced the listener's close.
            Err(err)
                if matches!(
                    err.kind(),
                    ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
                ) =>
            {
                Seen::Refused
            }
            Err(err) => Seen::Broken(err.to_string()),
            Ok(mut connection) => {
                let close = [("Connection", "close")];
                match connection.send("GET", "/users", &close, b"").await {
                    Ok(response) => {
                        answered.fetch_add(1, Ordering::Relaxed);
                        Seen::Answered(response.status)
                    }
                    Err(err) if is_unanswered(&err) => Seen::ClosedUnanswered,
                    Err(err) => Seen::Broken(err.to_string()),
                }
            }
        });
        if stopping {
            return seen;
        }
    }
}

/// Closed or reset before the first byte of an answer.
fn is_unanswered(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
    )
}
