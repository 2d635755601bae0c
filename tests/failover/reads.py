#!/usr/bin/env python3
"""Reads from hot standbys (issue 21) on the failover test's loopback Patroni cluster
(cluster.py). Entry point: scripts/standby-reads.sh.

Servers: A and B (reads on) with DATABASE_URL = the cluster's read-write multi-host URL
and READ_DATABASE_URL = the same hosts with target_session_attrs=prefer-standby (or
READS_TARGET) and load_balance_hosts=random; C and D (reads off) with DATABASE_URL only.
Each goal prints one STANDBY-READS line; the summary repeats them all.
  pairs      READS_PAIRS (10,000) POST -> GET /users/{id} pairs, 8 workers, each GET to
             the other process (A or B) than its POST (reads_load.py): stale must be 0.
             standby_share = reads a standby answered / all reads (A's and B's metrics,
             reads_tools.py) over the test: informational (a GET right after its POST
             may find the standby behind and be re-read on the primary: not_found).
  list       200 POST -> GET /users?skip= pairs the same way: stale must be 0.
  test_api   the seed's test_api.py through HAProxy on 127.0.0.1:8000, round robin over
             A and B: its output must say "All tests passed".
  cpu        (after ANALYZE users, as autovacuum would do: reads_cost.analyze)
             wrk GET /users/{id} of existing users (one wrk of 8 connections per server)
             in four 5 s rounds: on (A, B), off (C, D), off, on. Per node: the CPU its
             PostgreSQL used in the rounds (reads_tools.py) over the GETs answered, in
             us per GET. Goals: standby_share of the on rounds >= 0.90, and the
             primary's us per GET on / off (ratio) <= 0.5. Informational: get_rate
             on/off (GETs answered, same wrk load) and users_seq_scans (sequential
             scans of the users table on all nodes in the rounds, pg_stat_user_tables:
             a look-up by id should use the primary key, so these should stay near 0).
  kill       8 reader threads over A and B; 2 s in, the standby holding most of the
             app's sessions is SIGKILLed (postmaster and every child; Patroni starts it
             again); 10 s more. 0 failed GETs (non-200 or over 5 s).
  pause      the same with SIGSTOP, SIGCONT 8 s later, then 4 s more: 0 failed GETs.
             Both: max = the slowest GET; fallbacks by cause in the window.
  post_cost  POST /users per second (wrk, bench/post_user.lua, 2 threads, 16
             connections, 3 s rounds) through two servers started for it, E (reads on)
             and F (reads off): E / F, and E with synchronous_commit = remote_apply / on
             (patronictl edit-config), 6 ABBA pairs each (on-off, off-on, ...: drift in
             the machine's load biases neither side); the median pair. Informational.
Environment: READS_GOALS (comma list of pairs, test_api, cpu, faults, post_cost; all by
default), READS_PAIRS, READS_TARGET, FAILOVER_SERVER, FAILOVER_KEEP=1.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster import APP_DB, Cluster, psql  # noqa: E402
import reads_cost  # noqa: E402
from procs import Run, log, signal_postmaster_family  # noqa: E402
from reads_load import Readers, pairs  # noqa: E402
from reads_tools import (REPO, ApiServer, delta, fmt_causes, port_in_use,  # noqa: E402
                         read_counts, standby_share, start_haproxy)

ALL_GOALS = ["pairs", "test_api", "cpu", "faults", "post_cost"]


class Reads:
    def __init__(self, run):
        self.run, self.tag = run, f"rd{int(time.time())}"
        self.lines, self.failures, self.ids = [], [], []
        self.cluster = Cluster(run)
        self.cluster.bootstrap()
        self.url = url = self.cluster.database_url()
        target = os.environ.get("READS_TARGET", "prefer-standby")
        self.read_url = read_url = (url.replace("target_session_attrs=read-write",
                                                f"target_session_attrs={target}")
                                    + "&load_balance_hosts=random")
        self.a = ApiServer(run, "userapi-a", url, read_url)
        self.b = ApiServer(run, "userapi-b", url, read_url)
        self.c = ApiServer(run, "userapi-c", url)
        self.d = ApiServer(run, "userapi-d", url)
        log(f"servers A, B: READ_DATABASE_URL ...?target_session_attrs={target}"
            "&load_balance_hosts=random; C, D: no READ_DATABASE_URL")

    def figure(self, text):
        self.lines.append(f"STANDBY-READS {text}")
        log(text)

    def fail(self, what, servers=(), since=None):
        self.failures.append(what)
        log(f"FAILED: {what}")
        for s in servers:
            for line in s.log_lines(since.get(s.name, 0) if since else 0):
                self.failures.append(f"  {line}")

    def marks(self):
        return {s.name: s.log_size() for s in (self.a, self.b, self.c, self.d)}

    # ------------------------------------------------------------ read-your-writes
    def goal_pairs(self):
        ab, since = [self.a, self.b], self.marks()
        n = int(os.environ.get("READS_PAIRS", "10000"))
        for what, count, workers, skip in (("pairs", n, 8, None), ("list_pairs", 200, 4, 0)):
            if skip is not None:
                skip = int(psql(self.cluster.leader().pg_port, "SELECT count(*) FROM users",
                                db=APP_DB))
            reads0, falls0 = read_counts(ab)
            r = pairs(ab, count, f"{self.tag}-{what}", workers, list_skip=skip)
            reads1, falls1 = read_counts(ab)
            if skip is None:
                self.ids = r["ids"]
            errors = ",".join(f"{k}:{v}" for k, v in sorted(r["post_errors"].items())) or "0"
            self.figure(f"{what}={r['done']} stale={r['stale']} standby_share="
                        f"{standby_share(delta(reads1, reads0)):.1%} fallbacks="
                        f"{fmt_causes(delta(falls1, falls0))} post_errors={errors} "
                        f"seconds={r['seconds']:.1f}")
            if r["done"] < count:
                self.fail(f"{what}: only {r['done']} of {count} POSTs answered 201 ({errors})")
            if r["stale"]:
                self.fail(f"{what}: {r['stale']} stale reads, e.g. "
                          + " | ".join(r["examples"]), ab, since)

    def goal_test_api(self):
        proxy = start_haproxy(self.run, [self.a, self.b])
        try:
            out = subprocess.run([sys.executable, "test_api.py"], cwd=REPO, capture_output=True,
                                 text=True, timeout=120)
        finally:
            proxy.terminate()
            proxy.wait(10)
        passed = "All tests passed" in out.stdout
        self.figure(f"test_api={'passed' if passed else 'FAILED'} (HAProxy on :8000, round "
                    "robin over A and B)")
        if not passed:
            self.fail("test_api.py did not pass:\n" + out.stdout + out.stderr,
                      [self.a, self.b])

    def existing_ids(self):
        """The pairs test's users, or (when it did not run) up to 20,000 from the table."""
        if not self.ids:
            self.ids = [int(i) for i in psql(self.cluster.leader().pg_port,
                                             "SELECT id FROM users LIMIT 20000", db=APP_DB).split()]
        return self.ids

    # ------------------------------------------------------------ CPU per GET, POST cost
    def goal_cpu(self):
        reads_cost.cpu(self)

    def goal_post_cost(self):
        reads_cost.post_cost(self)

    # ------------------------------------------------------------ standby faults
    def fault(self, kind):
        leader = self.cluster.leader()
        standbys = [n for n in self.cluster.nodes if n is not leader]
        sessions = {n.name: int(psql(n.pg_port, "SELECT count(*) FROM pg_stat_activity "
                                     "WHERE usename = 'app'")) for n in standbys}
        victim = max(standbys, key=lambda n: sessions[n.name])
        ab, since = [self.a, self.b], self.marks()
        readers = Readers(ab, self.existing_ids())
        pm = None
        try:
            time.sleep(2)
            reads0, falls0 = read_counts(ab)
            pm = victim.postmaster()
            t0 = time.monotonic()
            if kind == "kill":
                signal_postmaster_family(pm, signal.SIGKILL)
                time.sleep(10)
            else:
                signal_postmaster_family(pm, signal.SIGSTOP)
                time.sleep(8)
                signal_postmaster_family(pm, signal.SIGCONT)
                time.sleep(4)
        finally:
            if kind == "pause" and pm:
                signal_postmaster_family(pm, signal.SIGCONT)
            readers.stop()
        reads1, falls1 = read_counts(ab)
        slowest, when = readers.slowest
        when = t0 if when is None else when
        self.figure(
            f"fault={kind}-standby victim={victim.name} (app sessions {sessions}) "
            f"gets={readers.count} failed={len(readers.failures)} max_latency={slowest:.2f}s "
            f"(sent at {when - t0:+.1f} s) standby_share={standby_share(delta(reads1, reads0)):.1%}"
            f" fallbacks={fmt_causes(delta(falls1, falls0))}")
        if readers.failures:
            self.fail(f"{kind}-standby: {len(readers.failures)} failed GETs: "
                      + readers.failure_summary(t0), ab, since)
        self.cluster.wait_healthy(timeout=90)

    def goal_faults(self):
        for kind in ("kill", "pause"):
            self.fault(kind)

def main():
    started = time.monotonic()
    for var in ("DATABASE_URL", "READ_DATABASE_URL"):
        os.environ.pop(var, None)  # the servers get exactly the URLs above
    wanted = [g.strip() for g in os.environ.get("READS_GOALS", "").split(",") if g.strip()]
    if set(wanted) - set(ALL_GOALS):
        raise SystemExit(f"READS_GOALS: unknown {sorted(set(wanted) - set(ALL_GOALS))}; "
                         f"known: {ALL_GOALS}")
    if (not wanted or "test_api" in wanted) and port_in_use(8000):
        raise SystemExit("standby-reads: port 8000 is taken, and test_api.py's BASE_URL is "
                         "http://localhost:8000: stop what listens there "
                         "(ss -ltnp 'sport = :8000') and run again")
    run = Run(keep=os.environ.get("FAILOVER_KEEP") == "1")
    log(f"temp dir {run.dir}")
    try:
        h = Reads(run)
        for goal in [g for g in ALL_GOALS if not wanted or g in wanted]:
            log(f"=== {goal}")
            try:
                getattr(h, f"goal_{goal}")()
            except Exception as e:
                h.fail(f"{goal}: harness error: {type(e).__name__}: {e}")
                log(h.cluster.patronictl("list"))
        sha = os.popen(f"git -C {REPO} rev-parse --short HEAD").read().strip()
        print("\n" + "=" * 78 + f"\nstandby-reads summary ({time.monotonic() - started:.0f} s, "
              f"commit {sha}, load average {os.getloadavg()[0]:.1f})\n")
        print("\n".join(h.lines))
        print("\nserver log lines (standby reads:, database:):")
        for s in (h.a, h.b):
            print("\n".join(f"  {ln}" for ln in s.log_lines(limit=8)) or f"  {s.name}: none")
        for f in h.failures:
            print(f"FAILED: {f}" if not f.startswith("  ") else f)
        ok = not h.failures
        print(f"STANDBY-READS result={'all goals met' if ok else 'FAILED'}")
        return 0 if ok else 1
    finally:
        run.cleanup()


if __name__ == "__main__":
    sys.exit(main())
