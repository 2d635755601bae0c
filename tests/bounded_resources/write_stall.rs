//! Every connection makes progress or goes: a client that pipelines requests and never
//! reads the answers is closed once the server has been unable to write to it for the
//! write-stall limit (10 s), and other clients are served meanwhile.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;

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
