"""The misbehaving clients of bench/scale.sh, and what the server's process holds
meanwhile (peak RSS from /proc/PID/status, its open sockets from /proc/PID/fd, its
listen queue from /proc/net/tcp). It talks to the server over HTTP only, so it
measures any server that answers the same routes.

  python3 bench/scale_clients.py non-readers PID PORT       # 40 GET /users, never read
  python3 bench/scale_clients.py chunk-flood PID PORT       # 200 bodies in 1-byte chunks
  python3 bench/scale_clients.py pipeline-flood PID PORT    # 1,100 GET /docs pipelines

Loopback only; every loop is bounded in count and time; sockets close at exit.
Settings (environment): CLIENTS, LIMIT (seconds to wait for the server to close),
STALL (chunk-flood: seconds between the body and its last chunk), PIPELINED
(pipeline-flood: requests written per socket), BODY_BYTES (chunk-flood).
"""

import http.client
import os
import resource
import socket
import sys
import threading
import time


def status_kib(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time the process has used."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def server_sockets(pid):
    """Sockets the server process holds open (its listener and database connection too)."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass  # closed while we looked
    return count


def listen_queue(port):
    """Connections waiting in the server's accept queue (rx_queue of a LISTEN socket)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                return int(fields[4].split(":")[1], 16)
    return 0


def ask(port, path, timeout):
    """One GET on a new connection: (status or the error, seconds taken)."""
    started = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path, headers={"Connection": "close"})
        status = conn.getresponse().status
        conn.close()
    except OSError as err:
        status = type(err).__name__
    return status, time.monotonic() - started


def tcp_memory_mib():
    """The kernel's memory for all TCP sockets (the machine's, not only the server's)."""
    for line in open("/proc/net/sockstat"):
        if line.startswith("TCP:"):
            fields = line.split()
            return int(fields[fields.index("mem") + 1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return 0.0


def unread_socket(port):
    """A connected socket with a small receive buffer: it stops taking data early."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


def wait_closed(pid, port, baseline, since, limit, timeline=None):
    """Polls until the server holds no more sockets than `baseline` and nobody waits in
    its accept queue; returns (seconds after `since` or None, most sockets seen).
    `timeline`, a list, gets (seconds, sockets held, accept queue, TCP MiB) once a second."""
    most, next_mark = 0, 0.0
    while time.monotonic() - since < limit:
        held = server_sockets(pid) - baseline
        most = max(most, held)
        if timeline is not None and time.monotonic() - since >= next_mark:
            timeline.append((time.monotonic() - since, held, listen_queue(port), tcp_memory_mib()))
            next_mark += 1.0
        if held <= 0 and listen_queue(port) == 0:
            return time.monotonic() - since, most
        time.sleep(0.1)
    return None, most


def non_readers(pid, port):
    clients, limit = int(os.getenv("CLIENTS", 40)), float(os.getenv("LIMIT", 60))
    baseline, rss_before = server_sockets(pid), status_kib(pid, "VmRSS")
    started = time.monotonic()
    socks = [unread_socket(port) for _ in range(clients)]
    for sock in socks:
        sock.sendall(b"GET /users HTTP/1.1\r\nHost: bench\r\n\r\n")
    sent = time.monotonic() - started
    time.sleep(2)
    other = ask(port, "/", timeout=10)
    closed, most = wait_closed(pid, port, baseline, started, limit)
    print(f"non-readers: {clients} clients sent GET /users in {sent:.2f} s and read nothing")
    print(f"  server RSS before {mib(rss_before)}, peak (VmHWM) {mib(status_kib(pid, 'VmHWM'))}, "
          f"after {mib(status_kib(pid, 'VmRSS'))}")
    print(f"  another client's GET / meanwhile: {other[0]} in {other[1] * 1000:.0f} ms")
    print(f"  connections held at most {most}; "
          + (f"all closed {closed:.1f} s after the requests" if closed is not None
             else f"NOT all closed after {limit:.0f} s"))
    for sock in socks:
        sock.close()


def chunk_flood(pid, port):
    clients, stall = int(os.getenv("CLIENTS", 200)), float(os.getenv("STALL", 2))
    body_bytes = int(os.getenv("BODY_BYTES", 60_000))
    tag = f"{os.getpid()}-{int(time.time())}"
    # A valid user padded with a field the server ignores (as pydantic does) to the size.
    padding = b"x" * body_bytes
    one_byte_chunks = b"".join(b"1\r\n" + bytes([c]) + b"\r\n" for c in padding)
    head = (b"POST /users HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    rss_before, cpu_before = status_kib(pid, "VmRSS"), cpu_seconds(pid)
    all_sent = threading.Barrier(clients + 1)
    finish = threading.Event()
    answers = [None] * clients

    def client(i):
        prefix = f'{{"name":"Flood {i}","email":"flood-{tag}-{i}@bench.example","age":30,"padding":"'
        chunks = lambda text: b"".join(b"1\r\n" + bytes([c]) + b"\r\n" for c in text.encode())
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            sock.sendall(head + chunks(prefix))
            sock.sendall(one_byte_chunks)
            all_sent.wait(timeout=60)
            finish.wait(timeout=60)
            sock.sendall(chunks('"}') + b"0\r\n\r\n")
            answers[i] = sock.makefile("rb").readline().split()[1].decode()
            sock.close()
        except (OSError, threading.BrokenBarrierError, IndexError) as err:
            answers[i] = type(err).__name__

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    all_sent.wait(timeout=60)
    sent = time.monotonic() - started
    # The stall: every client is mid-body; watch the server's memory while it holds them.
    rss_stalled = 0
    stall_end = time.monotonic() + stall
    while time.monotonic() < stall_end:
        rss_stalled = max(rss_stalled, status_kib(pid, "VmRSS"))
        time.sleep(0.05)
    finish.set()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    counts = {}
    for answer in answers:
        counts[answer] = counts.get(answer, 0) + 1
    print(f"chunk-flood: {clients} clients, {body_bytes:,}-byte body each in 1-byte chunks "
          f"({len(one_byte_chunks) // 1024} KiB on the wire), all sent after {sent:.1f} s, "
          f"stalled {stall:.0f} s before the last chunk, finished after {took:.1f} s")
    print(f"  server RSS before {mib(rss_before)}, highest during the stall {mib(rss_stalled)}, "
          f"peak (VmHWM) {mib(status_kib(pid, 'VmHWM'))}")
    print("  answers: " + ", ".join(f"{n} × {a}" for a, n in sorted(counts.items(), key=str))
          + f"; server CPU time {cpu_seconds(pid) - cpu_before:.1f} s")


def pipeline_flood(pid, port):
    clients, limit = int(os.getenv("CLIENTS", 1100)), float(os.getenv("LIMIT", 60))
    pipelined = int(os.getenv("PIPELINED", 200))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # ours, not the server's
    baseline, cpu_before = server_sockets(pid), cpu_seconds(pid)
    blob = b"GET /docs HTTP/1.1\r\nHost: bench\r\n\r\n" * pipelined
    started = time.monotonic()
    socks, refused = [], 0
    for _ in range(clients):
        try:
            sock = unread_socket(port)
        except OSError:
            refused += 1
            continue
        sock.setblocking(False)
        try:
            sock.send(blob)  # as much as the kernel takes; the rest is never sent
        except (BlockingIOError, ConnectionError):
            pass
        socks.append(sock)
    connected = time.monotonic() - started
    held = server_sockets(pid) - baseline
    newcomer = {}
    asked = threading.Thread(target=lambda: newcomer.update(answer=ask(port, "/", timeout=limit)))
    asked.start()
    timeline = []
    closed, most = wait_closed(pid, port, baseline, started, limit, timeline)
    asked.join()
    status, seconds = newcomer["answer"]
    print(f"pipeline-flood: {len(socks)} sockets connected in {connected:.1f} s ({refused} refused), "
          f"each pipelining {pipelined} × GET /docs and reading nothing")
    print(f"  server held {held} of them at once right after (at most {most}); "
          f"accept queue then {listen_queue(port)}")
    print(f"  a new client's GET /: {status} after {seconds:.1f} s (goal ≤ 15 s)")
    print("  stalled sockets: " + (f"all closed by the server {closed:.1f} s after the first connect "
                                   "(goal ≤ 25 s)" if closed is not None
                                   else f"NOT all closed after {limit:.0f} s"))
    print(f"  server CPU time {cpu_seconds(pid) - cpu_before:.1f} s; "
          f"RSS peak (VmHWM) {mib(status_kib(pid, 'VmHWM'))}; kernel TCP memory "
          f"(whole machine) at most {max((m for *_, m in timeline), default=0):.0f} MiB")
    print("  timeline (s: sockets held + accept queue): "
          + ", ".join(f"{t:.0f}: {held}+{queue}" for t, held, queue, _ in timeline))
    for sock in socks:
        sock.close()


if __name__ == "__main__":
    scenario, pid, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    {"non-readers": non_readers, "chunk-flood": chunk_flood,
     "pipeline-flood": pipeline_flood}[scenario](pid, port)
