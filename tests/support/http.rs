//! A deliberately plain HTTP/1.1 client for the tests: it writes bytes to a socket and
//! reads the answer, so a test sees exactly what a client would (status line, headers,
//! body) and can also send requests no well-behaved library would. [`send`] uses a
//! connection per request; [`Connection`] keeps one open for many.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {}", self.text()))
    }
}

/// Sends `method path` with `headers` and `body` on a new connection (`Connection:
/// close`) and reads the whole response.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let close = [headers, &[("Connection", "close")]].concat();
    parse(&exchange(addr, &request(method, path, &close, body)).await)
}

/// The bytes of a request (with `Host`, and `Content-Length` when there is a body).
pub fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// One keep-alive connection: requests go one after another, and each response is read
/// by its Content-Length so the connection can carry the next one.
pub struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream: BufReader::new(stream),
        })
    }

    /// Sends raw bytes without waiting for anything.
    pub async fn write(&mut self, raw: &[u8]) -> io::Result<()> {
        self.stream.get_mut().write_all(raw).await
    }

    /// Reads the next response (a `100 Continue` counts as one).
    pub async fn read_response(&mut self) -> io::Result<Response> {
        read_response(&mut self.stream).await
    }

    /// Sends a request and reads its response.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        self.write(&request(method, path, headers, body)).await?;
        self.read_response().await
    }
}

/// Reads one response framed by Content-Length. A connection closed before the first
/// byte is `UnexpectedEof`; one closed mid-response is `InvalidData`.
pub async fn read_response(reader: &mut (impl AsyncBufRead + Unpin)) -> io::Result<Response> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let read = reader.read_until(b'\n', &mut head).await;
        if read.as_ref().is_err_and(|_| !head.is_empty()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "broken mid-response",
            ));
        }
        if read? == 0 {
            let (kind, what) = match head.is_empty() {
                true => (io::ErrorKind::UnexpectedEof, "closed without answering"),
                false => (io::ErrorKind::InvalidData, "closed mid-response"),
            };
            return Err(io::Error::new(kind, what));
        }
    }
    let mut response = parse(&head);
    let length = response
        .header("content-length")
        .and_then(|n| n.parse().ok());
    let mut body = vec![0; length.unwrap_or(0)];
    reader
        .read_exact(&mut body)
        .await
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("body cut short: {e}")))?;
    response.body = body;
    Ok(response)
}

/// Writes raw bytes and reads until the server closes the connection.
pub async fn exchange(addr: SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the server");
    stream.write_all(raw).await.expect("send the request");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .expect("read the response");
    answer
}

/// The server's request body limit, as its 413 states it (`... (limit N bytes)`): asked
/// with a Content-Length over any limit, and no body. Tests of bodies near the limit
/// size them by it, so that lowering it (docs/exercises.md, exercise 3) leaves them
/// true.
pub async fn body_limit(addr: SocketAddr) -> usize {
    let raw = b"POST /users HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000\r\n\
Connection: close\r\n\r\n";
    let refused = parse(&exchange(addr, raw).await);
    let text = refused.text();
    let limit = text
        .split("(limit ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next());
    let limit = limit.and_then(|n| n.parse().ok());
    limit.unwrap_or_else(|| panic!("no limit in the answer: {} {text}", refused.status))
}

/// Parses one HTTP/1.1 response; a chunked body is decoded.
pub fn parse(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "no complete response head in {:?}",
                String::from_utf8_lossy(raw)
            )
        });
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut response = Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if response.header("transfer-encoding") == Some("chunked") {
        response.body = dechunk(&response.body);
    }
    response
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..line_end]).unwrap_or("0");
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("0").trim(), 16);
        let size = size.expect("chunk size");
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        body.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
    body
}

/// The samples of `/metrics` on the admin port, by name with labels
/// (`userapi_database_replacements_total{cause="deadline"}`).
pub async fn metrics(admin: SocketAddr) -> std::collections::HashMap<String, f64> {
    let response = send(admin, "GET", "/metrics", &[], b"").await;
    let text = response.text();
    let samples = text.lines().filter(|line| !line.starts_with('#'));
    let pairs = samples.filter_map(|line| line.rsplit_once(' '));
    pairs
        .filter_map(|(name, value)| Some((name.to_string(), value.parse().ok()?)))
        .collect()
}
