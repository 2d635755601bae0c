#!/usr/bin/env python3
"""The faults of scripts/e2e-compose-ha.sh, against the running docker-compose.ha.yml
stack (COMPOSE_FILE and COMPOSE_PROJECT_NAME come from the environment), through the
load balancer on 127.0.0.1:8000.

  compose_ha.py kill-primary   16 writers POST unique users through lb; `docker compose
                               kill` of the primary's container (Patroni and PostgreSQL
                               SIGKILLed); the container started again and rejoined;
                               every acknowledged user must be in the table (0 lost)
                               and no row may be one that was never sent (0 unexpected)
  compose_ha.py kill-replica   8 clients GET through lb; one backend replica's container
                               is killed; every request must still be a 200 (lb retries
                               on another replica)

Waits are polls with deadlines (wait_until); request loops are bounded in time.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from load import Writers, check  # noqa: E402
from procs import log, wait_until  # noqa: E402

LB_PORT = 8000
NODES = ["pg-1", "pg-2", "pg-3"]


def dc(*args, check_rc=True, timeout=120):
    out = subprocess.run(["docker", "compose", *args], capture_output=True, text=True,
                         timeout=timeout)
    if check_rc and out.returncode != 0:
        raise RuntimeError(f"docker compose {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def members():
    """patronictl list, as JSON, from the first pg container that answers."""
    for node in NODES:
        out = subprocess.run(["docker", "compose", "exec", "-T", node, "patronictl", "list",
                              "-f", "json"], capture_output=True, text=True, timeout=30)
        if out.returncode == 0:
            return json.loads(out.stdout)
    return []


def leader():
    found = [m["Member"] for m in members() if m.get("Role") == "Leader"
             and m.get("State") == "running"]
    return found[0] if len(found) == 1 else None


def healthy():
    ms = members()
    roles = sorted(m.get("Role") for m in ms)
    return (roles == ["Leader", "Replica", "Sync Standby"]
            and all(m.get("State") in ("running", "streaming") for m in ms))


def wait_healthy(timeout=180):
    wait_until("the cluster healthy (leader, sync standby, replica, all running)",
               healthy, timeout, interval=0.5)


def kill_primary():
    wait_healthy()
    old = leader()
    prefix = f"e2e-ha-{int(time.time())}-kill"
    writers = Writers(LB_PORT, prefix)
    try:
        wait_until("20 users acknowledged through lb", lambda: writers.count_acked() >= 20, 60)
        log(f"kill-primary: {old} is the primary; docker compose kill {old}")
        t_fault = time.monotonic()
        dc("kill", old)
        t_killed = time.monotonic()
        first = wait_until("a 201 through lb after the kill",
                           lambda: writers.first_201_after(t_killed), 90, interval=0.05)
        writers.stop_event.wait(1.0)
    finally:
        writers.stop()
    gap = first - t_fault
    log(f"kill-primary: first 201 {gap:.2f} s after the kill; starting {old} again")
    dc("start", old)
    wait_healthy()
    new = leader()
    out = dc("exec", "-T", new, "psql", "-U", "postgres", "-d", "appdb", "-Atc",
             f"SELECT email, id FROM users WHERE email LIKE '{prefix}-%'")
    rows = {}
    for line in out.splitlines():
        email, ident = line.rsplit("|", 1)
        rows[email] = int(ident)
    lost, unexpected, counts = check(writers, rows)
    print(f"kill-primary: {old} -> {new}; first 201 after {gap:.2f} s; {counts['sent']} sent, "
          f"{counts['acked']} x 201, {counts['unknown']} unknown outcome "
          f"({counts['unknown_committed']} committed); lost {len(lost)}, "
          f"unexpected {len(unexpected)}; answers {counts['statuses']}")
    if lost or unexpected or counts["acked"] == 0:
        print(f"kill-primary: FAILED (lost e.g. {lost[:3]}, unexpected e.g. {unexpected[:3]})")
        return 1
    return 0


def kill_replica(clients=8, before=1.0, after=8.0):
    # A user to read, written through lb.
    conn = http.client.HTTPConnection("127.0.0.1", LB_PORT, timeout=10)
    conn.request("POST", "/users", json.dumps({
        "name": "replica kill", "email": f"e2e-ha-{int(time.time())}-get@example.com",
        "age": 7}), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    user_id = json.loads(resp.read())["id"]
    conn.close()
    replicas = dc("ps", "-q", "backend").split()
    if len(replicas) < 2:
        raise RuntimeError(f"{len(replicas)} backend replica(s) running, need 2 or more")
    stop = threading.Event()
    results = {"ok": 0, "failed": []}
    lock = threading.Lock()

    def client():
        c = http.client.HTTPConnection("127.0.0.1", LB_PORT, timeout=10)
        deadline = time.monotonic() + before + after + 30  # bounded whatever happens
        while not stop.is_set() and time.monotonic() < deadline:
            for path in (f"/users/{user_id}", "/"):
                try:
                    c.request("GET", path)
                    r = c.getresponse()
                    r.read()
                    ok = r.status == 200
                    outcome = r.status
                except (OSError, http.client.HTTPException) as e:
                    ok, outcome = False, type(e).__name__
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", LB_PORT, timeout=10)
                with lock:
                    if ok:
                        results["ok"] += 1
                    else:
                        results["failed"].append((path, outcome))
        c.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        wait_until("GET load through lb", lambda: results["ok"] >= 100, 30)
        victim = replicas[0]
        name = subprocess.run(["docker", "inspect", "-f", "{{.Name}}", victim],
                              capture_output=True, text=True).stdout.strip().lstrip("/")
        served_before = results["ok"]
        log(f"kill-replica: docker kill {name} ({len(replicas)} replicas) under GET load")
        subprocess.run(["docker", "kill", victim], check=True, capture_output=True)
        # The measurement window: HAProxy's checks (inter 2 s, fall 2) take the dead
        # replica out within ~4 s; until then, retries cover the requests sent to it.
        stop.wait(after)
    finally:
        stop.set()
        for t in threads:
            t.join(15)
    failed = results["failed"]
    print(f"kill-replica: {results['ok']} GETs answered 200 ({results['ok'] - served_before} "
          f"after the kill), {len(failed)} failed{': ' + str(failed[:5]) if failed else ''}")
    dc("up", "-d", "--wait", "--wait-timeout", "120", "backend", timeout=180)
    return 1 if failed or results["ok"] == served_before else 0


if __name__ == "__main__":
    what = sys.argv[1:] and sys.argv[1]
    if what == "kill-primary":
        sys.exit(kill_primary())
    if what == "kill-replica":
        sys.exit(kill_replica())
    sys.exit(__doc__)
