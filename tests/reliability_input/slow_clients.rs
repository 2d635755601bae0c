//! Clients that hold connections on purpose: headers a byte every half second
//! (slowloris), a connection that never says anything, a body that stops half way, and
//! 2,000 idle keep-alive connections. None may stop the server from answering others.
//! And one that is slow but honest: a body a byte every half second for 14 s, longer
//! than any of the 10 s limits, is served, because the body's limit is on the time
//! between two bytes (nginx's `client_body_timeout`), not on the whole body.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::sleep;

use super::assert_healthy;
use super::support::{self, TestApp, http};

/// The issue's bound for closing a slow client.
const CLOSE_WITHIN: Duration = Duration::from_secs(30);
const DRIP: Duration = Duration::from_millis(500);
const IDLE_CONNECTIONS: usize = 2_000;

/// Sends `head`, then one byte of `drip` every half second until the server closes the
/// connection; returns how long that took and what the server sent.
async fn drip_until_closed(
    addr: std::net::SocketAddr,
    head: &[u8],
    drip: u8,
) -> (Duration, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    stream.write_all(head).await.expect("send the start");
    let mut answer = Vec::new();
    loop {
        let mut buffer = [0u8; 1024];
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            },
            () = sleep(DRIP) => {
                if !head.is_empty() && stream.write_all(&[drip]).await.is_err() {
                    break;
                }
            }
        }
        assert!(
            started.elapsed() < CLOSE_WITHIN,
            "still open after {CLOSE_WITHIN:?}"
        );
    }
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

/// Sends a POST of `body` with its head and the first bytes at once, then the last
/// `dripped` bytes one every half second (when a byte is due, the one before has been
/// written), and reads the answer; returns how long the body took and the status line.
async fn post_slowly(
    addr: std::net::SocketAddr,
    body: &[u8],
    dripped: usize,
) -> (Duration, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (at_once, tail) = body.split_at(body.len() - dripped);
    let started = Instant::now();
    stream
        .write_all(&[head.as_bytes(), at_once].concat())
        .await
        .expect("send the start");
    for byte in tail {
        sleep(DRIP).await;
        stream
            .write_all(&[*byte])
            .await
            .expect("the server kept reading");
    }
    let took = started.elapsed();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    (took, answer.lines().next().unwrap_or("none").to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_others_are_served_meanwhile() {
    let app = TestApp::spawn().await;
    let slowloris = drip_until_closed(app.addr, b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ", b'a');
    let silent = drip_until_closed(app.addr, b"", 0);
    // Half a body, then nothing: 10 s after its last byte it is a 408, and the server
    // closes the connection (the read below ends).
    let stalled_body_head =
        b"POST /users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
                              Content-Length: 1000\r\n\r\n{\"name\": \"";
    let stalled_body = async {
        let mut stream = TcpStream::connect(app.addr).await.expect("connect");
        let started = Instant::now();
        stream
            .write_all(stalled_body_head)
            .await
            .expect("send the start");
        let mut answer = Vec::new();
        let read = tokio::time::timeout(CLOSE_WITHIN, stream.read_to_end(&mut answer)).await;
        assert!(
            read.is_ok(),
            "a stalled body still open after {CLOSE_WITHIN:?}"
        );
        (
            started.elapsed(),
            String::from_utf8_lossy(&answer).into_owned(),
        )
    };
    // 28 bytes dripped at 2 a second: 14 s of body, steady all the way.
    let steady = br#"{"name":"Steady","email":"steady@slow.test","age":7}"#;
    let steady_body = post_slowly(app.addr, steady, 28);
    let others = async {
        let started = Instant::now();
        let mut slowest = Duration::ZERO;
        while started.elapsed() < Duration::from_secs(3) {
            let sent = Instant::now();
            assert_eq!(app.get("/users").await.status, 200);
            slowest = slowest.max(sent.elapsed());
        }
        slowest
    };
    let (
        (headers_closed, headers_answer),
        (silent_closed, _),
        (body_closed, body_answer),
        (steady_took, steady_answer),
        slowest,
    ) = tokio::join!(slowloris, silent, stalled_body, steady_body, others);
    support::figure(&format!(
        "slowloris headers closed after {headers_closed:?} (answer: {:?}), a silent \
         connection after {silent_closed:?}, a body stalled half way after {body_closed:?} \
         ({:?}), a body dripped for {steady_took:?} answered {steady_answer:?}; \
         meanwhile GET /users took at most {slowest:?}",
        headers_answer.lines().next().unwrap_or("none"),
        body_answer.lines().next().unwrap_or("none"),
    ));
    assert!(body_answer.starts_with("HTTP/1.1 408"), "{body_answer}");
    // Cut for having stopped, not for having taken long: 10 s after its last byte.
    assert!(body_closed >= Duration::from_secs(10), "{body_closed:?}");
    assert!(steady_took > Duration::from_secs(13), "{steady_took:?}");
    assert_eq!(steady_answer, "HTTP/1.1 201 Created");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    assert_healthy(&app).await;
}

/// Raises this process's soft limit on open files to `needed` (server and clients
/// share the process: every connection costs two descriptors).
fn raise_open_file_limit(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        assert!(
            limit.rlim_max >= needed,
            "this test needs {needed} open files; the hard limit is {}",
            limit.rlim_max
        );
        if limit.rlim_cur < needed {
            limit.rlim_cur = needed;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_keep_alive_connections_do_not_block_other_clients() {
    raise_open_file_limit(2 * IDLE_CONNECTIONS as u64 + 1_024);
    let app = TestApp::spawn().await;
    let id = app.create_user("Busy", "busy@idle.test", 5).await;

    // Open them in bursts of 500 at once, as a crowd of clients would arrive. Each
    // makes one request, then stays open and silent. A connect that takes a second
    // or more lost its SYN to a full listen queue and waited for TCP to resend it.
    let started = Instant::now();
    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
    let mut slowest_connect = Duration::ZERO;
    while idle.len() < IDLE_CONNECTIONS {
        let mut burst = JoinSet::new();
        for _ in 0..500 {
            let addr = app.addr;
            burst.spawn(async move {
                let connecting = Instant::now();
                let mut connection = http::Connection::open(addr).await.expect("connect");
                let connected_in = connecting.elapsed();
                let response = connection.send("GET", "/", &[], b"").await.expect("GET /");
                assert_eq!(response.status, 200);
                (connection, connected_in)
            });
        }
        for (connection, connected_in) in burst.join_all().await {
            slowest_connect = slowest_connect.max(connected_in);
            idle.push(connection);
        }
    }
    let opened_in = started.elapsed();
    assert!(
        slowest_connect < Duration::from_secs(1),
        "a connect took {slowest_connect:?}: the listen queue overflowed"
    );

    let mut slowest = Duration::ZERO;
    for n in 0..50 {
        let sent = Instant::now();
        assert_eq!(app.get(&format!("/users/{id}")).await.status, 200);
        let email = format!("other{n}@idle.test");
        app.create_user("Other", &email, n).await;
        slowest = slowest.max(sent.elapsed());
    }
    // They were all still open meanwhile: each one still answers.
    for connection in &mut idle {
        let response = connection.send("GET", "/", &[], b"").await.expect("reuse");
        assert_eq!(response.status, 200);
    }
    support::figure(&format!(
        "{IDLE_CONNECTIONS} idle keep-alive connections opened in {opened_in:?} \
         (slowest connect {slowest_connect:?}); meanwhile a GET and a POST by another client took at most {slowest:?} together"
    ));
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    drop(idle);
    assert_healthy(&app).await;
}
