"""A deliberately small HTTP/1.x client on raw sockets.

The harness must send what no HTTP library will (HTTP/1.0, two Host headers, bare LF,
odd targets, pipelined requests), so it writes the bytes itself and reads responses
with just enough parsing to compare them: status line, headers, and a body framed by
Content-Length, chunked encoding or the connection closing.
"""

import socket
import time
from dataclasses import dataclass, field

TIMEOUT = 10.0


@dataclass
class Answer:
    status: int  # 0: no response at all (the connection closed or timed out)
    reason: str = ""
    headers: list = field(default_factory=list)  # [(lowercased name, value)]
    body: bytes = b""
    note: str = ""  # "closed", "timeout" when status is 0

    def header(self, name):
        values = [v for k, v in self.headers if k == name]
        return ", ".join(values) if values else None


class _Reader:
    def __init__(self, sock, deadline):
        self.sock, self.buf, self.deadline = sock, b"", deadline

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def line(self):
        while b"\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def exactly(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def rest(self):
        try:
            while True:
                self._fill()
        except (EOFError, ConnectionError):
            pass
        data, self.buf = self.buf, b""
        return data


def _read_one(reader, method):
    status_line = reader.line().decode("latin-1")
    parts = status_line.split(" ", 2)
    status, reason = int(parts[1]), (parts[2] if len(parts) > 2 else "")
    headers = []
    while True:
        line = reader.line()
        if not line:
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip().lower(), value.strip()))
    answer = Answer(status, reason, headers)
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return answer
    te = answer.header("transfer-encoding")
    length = answer.header("content-length")
    if te and "chunked" in te.lower():
        body = b""
        while True:
            size = int(reader.line().split(b";")[0], 16)
            if size == 0:
                while reader.line():
                    pass
                break
            body += reader.exactly(size)
            reader.line()
        answer.body = body
    elif length is not None:
        answer.body = reader.exactly(int(length))
    else:
        answer.body = reader.rest()
    return answer


def exchange(port, raw, methods=("GET",), timeout=TIMEOUT):
    """Sends `raw` on a new connection and reads one answer per entry of `methods`
    (pipelining). Missing answers are `Answer(0, note=...)`."""
    answers = []
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        reader = _Reader(sock, deadline)
        for method in methods:
            try:
                answers.append(_read_one(reader, method))
            except TimeoutError:
                answers.append(Answer(0, note="timeout"))
            except (EOFError, ConnectionError):
                answers.append(Answer(0, note="closed"))
            except (ValueError, IndexError):
                answers.append(Answer(0, note="unparseable"))
    return answers


def build(method, target, headers=(), body=b"", version="HTTP/1.1", host="127.0.0.1"):
    """A well-formed request: Host first (unless `host` is None), Content-Length when
    there is a body and no framing header was given."""
    if isinstance(target, str):
        target = target.encode("utf-8")
    lines = [method.encode("latin-1") + b" " + target + b" " + version.encode()]
    names = {name.lower() for name, _ in headers}
    if host is not None and "host" not in names:
        lines.append(b"Host: " + host.encode())
    for name, value in headers:
        if isinstance(value, str):
            value = value.encode("utf-8")
        lines.append(name.encode("latin-1") + b": " + value)
    if body and not {"content-length", "transfer-encoding"} & names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
