"""The load and the check, Jepsen-style.

Writers: 16 threads, each on a keep-alive HTTP/1.1 connection, POSTing users whose
email is unique to the run, the fault, the writer and the request. Every request's
outcome is recorded with when it was sent and answered:
  ok       201 with an id: acknowledged, so the row must exist with that id;
  unknown  409, 503, another 5xx, a timeout or a reset: it may or may not have
           committed (a 503 after the deadline can still commit later);
  failed   a 4xx other than 409: refused before any write, so the row must not exist.
After a non-201 a writer waits 50 ms before its next request (a client that does not
spin); that bounds the error of "first 201 after the fault" at about 50 ms.

Check: read every row of the fault from the primary afterwards;
  lost        acknowledged, but missing (or under another id);
  unexpected  present, but never sent, or refused (failed).
Both must be 0.
"""

import http.client
import json
import threading
import time


class Rec:
    __slots__ = ("email", "sent", "done", "status", "id", "outcome")

    def __init__(self, email, sent):
        self.email, self.sent = email, sent
        self.done = self.status = self.id = self.outcome = None


class Writers:
    def __init__(self, port, prefix, n=16, timeout=10.0, max_requests=200_000):
        self.port, self.prefix, self.timeout = port, prefix, timeout
        self.stop_event = threading.Event()
        self.records = []  # appended by all threads (list.append is atomic)
        self.budget = max_requests  # bounded in count, as well as in time by stop()
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True)
                        for i in range(n)]
        for t in self.threads:
            t.start()

    def _connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def _loop(self, i):
        conn = self._connect()
        seq = 0
        while not self.stop_event.is_set() and seq < self.budget // len(self.threads):
            seq += 1
            email = f"{self.prefix}-w{i}-{seq}@failover.example"
            body = json.dumps({"name": f"writer {i}", "email": email, "age": 30})
            rec = Rec(email, time.monotonic())
            self.records.append(rec)
            try:
                conn.request("POST", "/users", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
                rec.status = resp.status
                if resp.status == 201:
                    rec.id = json.loads(data)["id"]
                    rec.outcome = "ok"
                elif resp.status == 409 or resp.status >= 500:
                    rec.outcome = "unknown"
                else:
                    rec.outcome = "failed"
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = self._connect()
            except (OSError, http.client.HTTPException) as e:
                rec.status = type(e).__name__  # timeout, reset, refused: unknown
                rec.outcome = "unknown"
                conn.close()
                conn = self._connect()
            rec.done = time.monotonic()
            if rec.outcome != "ok":
                self.stop_event.wait(0.05)
        conn.close()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(self.timeout + 5)

    # ---- questions about the history
    def acked(self):
        return [r for r in self.records if r.outcome == "ok"]

    def first_201_after(self, t):
        """The earliest answer time of a 201 to a request sent after t (None if none)."""
        times = [r.done for r in self.records if r.outcome == "ok" and r.sent >= t]
        return min(times) if times else None

    def count_acked(self):
        return sum(1 for r in self.records if r.outcome == "ok")

    def summary(self):
        by_status = {}
        for r in self.records:
            key = str(r.status) if r.status is not None else "unanswered"
            by_status[key] = by_status.get(key, 0) + 1
        return by_status


def check(writers, rows):
    """rows: {email: id} read from the primary. Returns (lost, unexpected, counts)."""
    sent = {r.email: r for r in writers.records}
    lost = [r.email for r in writers.records
            if r.outcome == "ok" and rows.get(r.email) != r.id]
    unexpected = [e for e in rows
                  if e not in sent or sent[e].outcome == "failed"]
    unknown = [r for r in writers.records if r.outcome == "unknown"]
    committed_unknown = sum(1 for r in unknown if r.email in rows)
    return lost, unexpected, {
        "sent": len(writers.records), "acked": writers.count_acked(),
        "unknown": len(unknown), "unknown_committed": committed_unknown,
        "statuses": writers.summary(),
    }
