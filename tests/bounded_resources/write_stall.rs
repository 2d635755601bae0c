//! Every connection makes progress or goes: a client that pipelines requests and never
//! reads the answers is closed once the server has been unable to write to it for the
//! write-stall limit (10 s), and other clients are served meanwhile. Until then, the
//! kernel holds at most about `UNSENT_MAX` (256 KiB) of answers for it, not the few MB
//! its send buffer would grow to (`src/server/unsent_limit.rs`).

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;

use userapi::server::unsent_limit::UNSENT_MAX;

use super::support::{TestApp, figure, http};

/// The server's limit is 10 s; closing must come after it and well before this.
const CLOSED_WITHIN: Duration = Duration::from_secs(25);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipelining_client_that_never_reads_is_closed() {
    let _turn = super::SERIAL.lock().await;
    let app = TestApp::spawn().await;
    let socket = TcpSocket::new_v4().expect("socket");
    // A small receive buffer: the server's answers fill it (and its own send buffer)
    // quickly, so its writes block.
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut stream = socket.connect(app.addr).await.expect("connect");
    let pipelined = http::request("GET", "/docs", &[], b"").repeat(1_000);
    let started = Instant::now();
    // Requests go on until the server stops reading them (its answers are not being
    // taken, so it has stopped), then the write blocks; it fails when the server gives
    // up and resets the connection. The kernel's buffers take a few MB first.
    let writer = tokio::spawn(async move {
        loop {
            if let Err(err) = stream.write_all(&pipelined).await {
                return (err, Instant::now());
            }
        }
    });
    // Meanwhile, others are served.
    let other = app.get("/").await;
    assert_eq!(other.status, 200);
    let (_reset, ended) = tokio::time::timeout(CLOSED_WITHIN, writer)
        .await
        .expect("the stalled connection was not closed within 25 s")
        .expect("writer task");
    let closed_after = ended - started;
    assert!(
        closed_after >= Duration::from_secs(9),
        "closed after {closed_after:?}: before the 10 s write-stall limit"
    );
    figure(&format!(
        "write stall: a pipelining client that never reads was closed after {:.1} s",
        closed_after.as_secs_f64()
    ));
    assert_eq!(app.get("/").await.status, 200);
}

/// The bytes the kernel holds for the server's side of the connection from `client`
/// (`tx_queue` in `/proc/net/tcp`: written by the server, not yet taken by the client).
fn server_send_queue(server: std::net::SocketAddr, client: std::net::SocketAddr) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let port = |field: &str| u16::from_str_radix(field.rsplit(':').next()?, 16).ok();
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let mine = port(fields.get(1)?)? == server.port() && port(fields.get(2)?)? == client.port();
        let queues = fields.get(4)?.split_once(':')?;
        mine.then(|| u64::from_str_radix(queues.0, 16).ok())
            .flatten()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_sent_only_a_bounded_amount() {
    let app = TestApp::spawn().await;
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut stream = socket.connect(app.addr).await.expect("connect");
    let client = stream.local_addr().expect("local address");
    // 200 answers of ~18 KB: 3.5 MB, which Linux's send-buffer autotuning took almost
    // whole before the limit (about 3 MB queued per socket).
    let pipelined = http::request("GET", "/docs", &[], b"").repeat(200);
    stream
        .write_all(&pipelined)
        .await
        .expect("send the requests");
    // Ready when the server has stopped writing: the queue is the same for half a second.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut queued, mut steady_since) = (0, Instant::now());
    while steady_since.elapsed() < Duration::from_millis(500) {
        assert!(
            Instant::now() < deadline,
            "the server's send queue kept changing"
        );
        let now =
            server_send_queue(app.addr, client).expect("the server's socket in /proc/net/tcp");
        if now != queued || now == 0 {
            (queued, steady_since) = (now, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    figure(&format!(
        "unsent limit: a client that pipelined 200 GET /docs and read nothing had {queued} \
         bytes queued by the server (limit {UNSENT_MAX} unsent)"
    ));
    // The limit, plus what is in flight to the client's 4 KiB window and one write's
    // overshoot (the kernel checks the limit before it copies a write, not during).
    assert!(queued <= 4 * u64::from(UNSENT_MAX), "{queued} bytes queued");
    drop(stream);
    assert_eq!(app.get("/").await.status, 200);
}
