"""The clients of the standby-reads harness (reads.py).

pairs(): workers, each with a keep-alive connection to two API server processes, each
  POSTing a new user to one and, as soon as the 201 is in, reading it back from the
  OTHER (the direction alternates): GET /users/{id}, or GET /users?skip=S (a list whose
  first S users existed before the test, so every new user is on it). A pair is
  **stale** when that GET is not a 200 with the 201's user (by id: the same body; in a
  list: the id present). The read-your-writes promise across replicas: must be 0.
Readers: threads GETting /users/{id} of existing users round robin over servers; a
  **failed** GET is anything but a 200 within 5 s (a timeout, a reset, a 5xx, a 404).
  Records the slowest answer and each failure's time and status.
"""

import http.client
import json
import random
import threading
import time


class Client:
    """One keep-alive HTTP/1.1 connection, made again after an error."""

    def __init__(self, port, timeout=10.0):
        self.port, self.timeout = port, timeout
        self.conn = None

    def request(self, method, path, body=None):
        """(status, body bytes); status is the exception's name when there was no answer."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            self.conn.request(method, path, body, headers)
            resp = self.conn.getresponse()
            data = resp.read()
            if resp.getheader("connection", "").lower() == "close":
                self.close()
            return resp.status, data
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return type(e).__name__, b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _json(data):
    try:
        return json.loads(data)
    except ValueError:
        return None


def pairs(servers, n, tag, workers=8, list_skip=None):
    """n POST -> GET pairs over two servers (module docstring). Returns a dict: done
    (pairs whose POST got a 201), stale, examples (first stale ones), post_errors (POST
    statuses other than 201, by status), ids (the users made), seconds."""
    lock = threading.Lock()
    state = {"done": 0, "stale": 0, "examples": [], "post_errors": {}, "ids": []}

    def worker(i):
        clients = [Client(s.port) for s in servers]
        k = 0
        while True:
            with lock:
                if state["done"] >= n or sum(state["post_errors"].values()) > 100:
                    break
            k += 1
            src = (i + k) % 2
            email = f"{tag}-{i}-{k}@reads.example"
            status, data = clients[src].request(
                "POST", "/users", json.dumps({"name": f"reader {i}", "email": email, "age": 30}))
            created = _json(data) if status == 201 else None
            if not isinstance(created, dict) or "id" not in created:
                with lock:
                    state["post_errors"][str(status)] = state["post_errors"].get(str(status), 0) + 1
                time.sleep(0.05)
                continue
            if list_skip is None:
                status, data = clients[1 - src].request("GET", f"/users/{created['id']}")
                ok = status == 200 and _json(data) == created
            else:
                status, data = clients[1 - src].request("GET", f"/users?skip={list_skip}")
                got = _json(data) if status == 200 else None
                ok = isinstance(got, list) and any(
                    isinstance(u, dict) and u.get("id") == created["id"] for u in got)
            with lock:
                state["done"] += 1
                state["ids"].append(created["id"])
                if not ok:
                    state["stale"] += 1
                    if len(state["examples"]) < 5:
                        state["examples"].append(
                            f"POST {servers[src].name} id {created['id']} -> GET "
                            f"{servers[1 - src].name}: {status} {data[:120]!r}")
        for c in clients:
            c.close()

    t = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    state["seconds"] = time.monotonic() - t
    return state


class Readers:
    """GET /users/{id} load in threads until stop() (module docstring)."""

    def __init__(self, servers, ids, n=8, timeout=5.0):
        self.servers, self.ids, self.timeout = servers, list(ids), timeout
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.count = 0
        self.failures = []  # (time, server, status)
        self.slowest = (0.0, None)  # (seconds, when it was sent)
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True)
                        for i in range(n)]
        for t in self.threads:
            t.start()

    def _loop(self, i):
        clients = [Client(s.port, self.timeout) for s in self.servers]
        rnd = random.Random(i)
        k = i
        while not self.stop_event.is_set():
            k += 1
            which = k % len(clients)
            sent = time.monotonic()
            status, _ = clients[which].request("GET", f"/users/{rnd.choice(self.ids)}")
            took = time.monotonic() - sent
            with self.lock:
                self.count += 1
                if took > self.slowest[0]:
                    self.slowest = (took, sent)
                if status != 200 or took > self.timeout:
                    self.failures.append((sent, self.servers[which].name, status))
        for c in clients:
            c.close()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(self.timeout + 5)

    def failure_summary(self, t0):
        by = {}
        for sent, name, status in self.failures:
            key = f"{name}:{status}"
            by.setdefault(key, []).append(sent - t0)
        return "; ".join(f"{k} x{len(v)} at {min(v):+.1f}..{max(v):+.1f} s"
                         for k, v in sorted(by.items())) or "none"
