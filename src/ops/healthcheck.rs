//! `userapi --healthcheck`: the container's health probe, built into the binary.
//!
//! Docker runs a health check *inside* the container. With the seed's python image one
//! would write `curl -f http://localhost:8000/` in the compose file, because the image
//! has a shell and can have curl. Our runtime image (distroless) has neither: it holds
//! the `userapi` binary and the C libraries it links, nothing else. So the binary
//! probes itself: Docker starts a second `userapi` process with `--healthcheck`, which
//! sends `GET /` to 127.0.0.1:$PORT, exits 0 on a 200 and 1 otherwise. uvicorn has no
//! such mode; it never had to, its image always carried a shell.
//!
//! The request is written by hand on a tokio `TcpStream` rather than with an HTTP
//! client crate: one request line and two headers, and only the status line of the
//! answer matters. `GET /` does not touch the database (see `routes/health.rs`), so
//! the probe says "the server answers", not "PostgreSQL is up"; compose checks the
//! database with its own probe. Its `User-Agent` names it, and the server leaves its
//! successful requests out of the access log.

use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::config::{env_var, listen_port};
use crate::server::HEALTH_PROBE_USER_AGENT;

/// The whole probe (connect, send, read the status line) must finish within this. A
/// server that accepts but does not answer is as unhealthy as one that is not there.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// The status line is short; a longer "line" is not HTTP and is not read to its end.
const MAX_STATUS_LINE: u64 = 1024;

/// Entry point of `userapi --healthcheck`: probe `PORT` (default 8000), report, exit.
pub async fn run() -> ExitCode {
    let port = match listen_port(env_var) {
        Ok(port) => port,
        Err(err) => {
            crate::logging::log!("healthcheck: {err}");
            return ExitCode::FAILURE;
        }
    };
    match check(port, TIMEOUT).await {
        Ok(()) => {
            // Docker keeps a probe's output in `docker inspect`: say what was checked.
            crate::logging::stdout().line(format_args!(
                "healthcheck: GET http://127.0.0.1:{port}/ answered 200"
            ));
            ExitCode::SUCCESS
        }
        Err(reason) => {
            crate::logging::log!("healthcheck: GET http://127.0.0.1:{port}/ failed: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// `Ok` when `GET /` on 127.0.0.1:`port` answers 200 within `limit`; otherwise why not.
pub async fn check(port: u16, limit: Duration) -> Result<(), String> {
    match tokio::time::timeout(limit, status_of_root(port)).await {
        Ok(Ok(200)) => Ok(()),
        Ok(Ok(status)) => Err(format!("status {status}")),
        Ok(Err(reason)) => Err(reason),
        Err(_elapsed) => Err(format!("no answer within {limit:?}")),
    }
}

/// Sends `GET /` and returns the status code of the answer.
async fn status_of_root(port: u16) -> Result<u16, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    // HTTP/1.1 requires Host; `Connection: close` tells the server not to keep the
    // socket open for a next request that will never come. The User-Agent keeps the
    // probe, every 5 s, out of the access log (see `server::HEALTH_PROBE_USER_AGENT`).
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {HEALTH_PROBE_USER_AGENT}\r\n\
         Connection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut line = String::new();
    BufReader::new(stream.take(MAX_STATUS_LINE))
        .read_line(&mut line)
        .await
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    parse_status_line(&line)
}

/// `HTTP/1.1 200 OK\r\n` → 200. Anything else is an error that quotes the line.
fn parse_status_line(line: &str) -> Result<u16, String> {
    let mut parts = line.trim_end().splitn(3, ' ');
    match (parts.next(), parts.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/1.") => code
            .parse()
            .map_err(|_| format!("bad status code in {line:?}")),
        _ => Err(format!("not an HTTP answer: {line:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A one-shot server on a free port that answers the first request with `answer`
    /// (or with silence, when `answer` is `None`).
    async fn fake_server(answer: Option<&'static str>) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
            match answer {
                Some(text) => stream.write_all(text.as_bytes()).await.unwrap(),
                None => tokio::time::sleep(Duration::from_secs(60)).await,
            }
        });
        port
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line("HTTP/1.1 200 OK\r\n"), Ok(200));
        assert_eq!(
            parse_status_line("HTTP/1.0 503 Service Unavailable\r\n"),
            Ok(503)
        );
        assert!(parse_status_line("").is_err());
        assert!(parse_status_line("SSH-2.0-OpenSSH_9.2\r\n").is_err());
        assert!(parse_status_line("HTTP/1.1 abc\r\n").is_err());
    }

    #[tokio::test]
    async fn a_200_is_healthy() {
        let port = fake_server(Some("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")).await;
        assert_eq!(check(port, TIMEOUT).await, Ok(()));
    }

    #[tokio::test]
    async fn another_status_is_unhealthy() {
        let port = fake_server(Some("HTTP/1.1 503 Service Unavailable\r\n\r\n")).await;
        assert_eq!(check(port, TIMEOUT).await, Err("status 503".to_string()));
    }

    #[tokio::test]
    async fn nobody_listening_is_unhealthy() {
        // Bind to learn a free port, then close it again.
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = check(port, TIMEOUT).await.unwrap_err();
        assert!(err.starts_with("cannot connect"), "{err}");
    }

    /// An app that answers every request 200, served by the real server loop (the
    /// users app is a layer above this one; `tests/operations/health_probe.rs` runs
    /// the real binaries against each other).
    #[derive(Clone)]
    struct Answers200;

    impl crate::server::App for Answers200 {
        const LISTENER: &'static str = "test";

        async fn call(
            self,
            _request: hyper::Request<hyper::body::Incoming>,
        ) -> hyper::Response<crate::http::response::Body> {
            crate::http::response::json_static(hyper::StatusCode::OK, "{}")
        }
    }

    #[tokio::test]
    async fn the_real_server_passes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(crate::server::run(
            listener,
            Answers200,
            std::future::pending(),
        ));
        assert_eq!(check(port, TIMEOUT).await, Ok(()));
    }

    #[tokio::test]
    async fn a_silent_server_is_unhealthy_after_the_timeout() {
        let port = fake_server(None).await;
        let err = check(port, Duration::from_millis(200)).await.unwrap_err();
        assert!(err.starts_with("no answer within"), "{err}");
    }
}
