#!/usr/bin/env python3
"""The failover test of issue 20: the release server over a Patroni cluster, 16
writers, one fault at a time, checked Jepsen-style. Entry point: scripts/failover.sh.

  python3 tests/failover/run.py             every fault (about 4-5 minutes on 2 cores)
  FAILOVER_FAULTS=pause,stuck python3 ...    only those (names below, in that order)
  python3 tests/failover/run.py sync-cost   POST /users rate with / without a sync standby

Environment: FAILOVER_FAULTS (comma list of kill, stop, pause, switchover, standbys,
zombie, stuck), FAILOVER_SERVER (the binary; default target/release/userapi),
FAILOVER_KEEP=1 (keep the temp dir and its logs), FAILOVER_NO_GOALS=1 (report, but exit
0 on missed goals; lost or unexpected rows still fail), FAILOVER_STRICT=1 (a goal the
database side missed fails the run too; see "missed by the database" below),
FAILOVER_DCS (Patroni's etcd client: etcd, the default, or etcd3; see cluster.py).

Each fault starts on a healthy cluster (leader, two standbys streaming from it, one of
them synchronous) and ends once it is healthy again, the faulted node rejoined. The
"node" of a fault is Patroni and its PostgreSQL together (the issue's "losing the
primary": a machine or container gone), so:
  kill        SIGKILL to the primary node's Patroni and to its postmaster's process
              group (postmaster and backends) at once; then the node's Patroni is
              started again and rejoins (pg_rewind if its WAL went ahead).
  stop        SIGTERM to the primary's Patroni, which stops PostgreSQL (fast) and
              releases the leader key; then started again.
  pause       SIGSTOP to the primary's Patroni and postmaster process groups (every
              backend too): docker pause, a VM freeze, a partition. SIGCONT once the
              measurement window (25 s goal + 5 s) ends; Patroni then demotes it.
  switchover  patronictl switchover --force (Patroni picks the sync standby).
  standbys    SIGTERM to both standbys: in strict mode commits wait. Every POST must
              be a 503 within one deadline (4 s, + 1 s slack), none a 201; after two
              deadlines one standby is started, which completes the waiting commits
              (their requests were answered 503: unknown outcome, not lost).
  zombie      SIGKILL to the leader's Patroni only (the OOM killer, a crash): its
              PostgreSQL goes on as a primary that nobody demotes, and is first in
              DATABASE_URL (a server of the fault's own, its URL led by the leader).
              Once the leader key expires the sync standby is promoted; the zombie's
              commits then wait for a standby that is gone. The first 201 counts from
              a request sent after the promotion (before it the zombie still commits
              with its standby); window 45 s. Cleanup stops the zombie's PostgreSQL and
              starts Patroni, which rewinds the node (zombie.py).
  stuck       a plain PostgreSQL (no Patroni); the server's backend (found in
              pg_stat_activity by application_name 'userapi') gets SIGSTOP, the
              postmaster stays fine; SIGCONT after the window.

Figures per fault, from the monotonic clock of this process:
  first 201   from the fault (the signal sent) to the first 201 answered to a request
              sent after it: the client's outage. Goal per fault (GOALS below).
  promoted    to the first /primary 200 from another node (Patroni's promotion).
  writable    to the commit of one INSERT sent to that node on a new session as soon
              as it was promoted: in strict synchronous mode a commit also waits for a
              synchronous standby, so this, not the promotion, is when the database can
              acknowledge a write; no server can answer 201 earlier.
  share       first 201 - writable: the server's own part of the outage. Goal <= 1 s.

A time goal the database missed by itself (writable later than the goal, and the server
within its 1 s share) is "missed by the database": printed, but no failure unless
FAILOVER_STRICT=1, because no server can answer 201 before PostgreSQL commits. With
ttl 10 / loop_wait 2 a switchover on 2 loaded cores takes 5-8 s before a commit can
return (demote, promote, the other standby re-attached as synchronous).
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster import (APP_DB, DCS, Cluster, GoneWatch, PlainPostgres,  # noqa: E402
                     WritableWatch, probe_lost, probe_write, psql, status_of)
from load import Writers, check  # noqa: E402
from procs import Run, free_port, log, pid_alive, wait_until  # noqa: E402
from zombie import (APP_NAME, reconnects, release_waiters, stop_postgres,  # noqa: E402
                    zombie_only_rows, zombie_state)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ALL_FAULTS = ["kill", "stop", "pause", "switchover", "standbys", "zombie", "stuck"]
# Seconds from the fault to the first 201 (issue 20). standbys: every POST a 503 within
# one deadline instead (checked separately), and the share once a standby is back.
GOALS = {"kill": 20, "stop": 10, "pause": 25, "switchover": 5, "zombie": 25, "stuck": 6}
SHARE_GOAL = 1.0
DEADLINE = 4.0  # the server's call deadline (src/db): a request waits at most this long
WINDOW_EXTRA = 5.0  # the window goes on this long past the goal, to measure a miss
# zombie: long enough to show an outage that never ends (issue 28 measured none in 45 s)
# and to give a fix that misses the goal its figure.
ZOMBIE_WINDOW = 45.0


class Server:
    def __init__(self, run, name, database_url):
        self.port, self.admin_port = free_port(), free_port()
        binary = os.environ.get("FAILOVER_SERVER",
                                os.path.join(REPO, "target", "release", "userapi"))
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} missing: cargo build --release first")
        self.log_path = run.path(f"{name}.log")
        self.proc = run.spawn(name, [binary], env={
            "DATABASE_URL": database_url, "PORT": str(self.port),
            "ADMIN_PORT": str(self.admin_port)})
        wait_until(f"{name} /ready", lambda: status_of(self.admin_port, "/ready") == 200, 60)

    def log_size(self):
        return os.path.getsize(self.log_path)

    def log_since(self, offset, limit=12):
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            raw = [ln.rstrip() for ln in f if "POST /users" not in ln]
        lines = []  # runs of one line collapsed into "(xN)"
        for ln in raw:
            if lines and lines[-1][0] == ln:
                lines[-1][1] += 1
            else:
                lines.append([ln, 1])
        lines = [ln if n == 1 else f"{ln} (x{n})" for ln, n in lines]
        if len(lines) > limit:
            lines = lines[:limit // 2] + [f"  ... {len(lines) - limit} more ..."] + lines[-limit // 2:]
        return lines

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except Exception:
            self.proc.kill()


def wchan(pid):
    with open(f"/proc/{pid}/wchan") as f:
        return f.read()


def rows_of(port, prefix):
    out = psql(port, f"SELECT email, id FROM users WHERE email LIKE '{prefix}-%'", db=APP_DB,
               timeout=30)
    rows = {}
    for line in out.splitlines():
        email, ident = line.rsplit("|", 1)
        rows[email] = int(ident)
    return rows


def warm_up(writers, n=20, timeout=30):
    wait_until(f"{n} users acknowledged before the fault",
               lambda: writers.count_acked() >= n, timeout)


def wait_first_201(writers, t_fault, window):
    """Polls the writers' history until a 201 answers a request sent after t_fault, or
    the window ends; returns the time of that 201 or None."""
    try:
        return wait_until("a 201 after the fault", lambda: writers.first_201_after(t_fault),
                          window, interval=0.05)
    except TimeoutError:
        return None


class Result:
    def __init__(self, name):
        self.name = name
        self.goal = GOALS.get(name)
        self.gap = self.promoted = self.writable = self.share = None
        # stuck and zombie: the server can tell the stall only by its deadline (a
        # commit that waits looks like a slow one until then); their goal is the gap.
        self.share_goal = name not in ("stuck", "zombie")
        self.counts = {}
        self.lost = self.unexpected = None
        self.failures, self.notes, self.log = [], [], []
        self.db_misses = []  # goals the database side missed before the server's part

    def verdict(self):
        if self.failures:
            return "FAILED"
        return "missed by the database" if self.db_misses else "ok"

    def finish(self, writers, rows):
        lost, unexpected, self.counts = check(writers, rows)
        self.lost, self.unexpected = len(lost), len(unexpected)
        if lost:
            self.failures.append(f"{len(lost)} acknowledged user(s) lost, e.g. {lost[:3]}")
        if unexpected:
            self.failures.append(f"{len(unexpected)} unexpected row(s), e.g. {unexpected[:3]}")
        if self.counts["acked"] == 0:
            self.failures.append("no request acknowledged at all")

    def judge_failover(self, watch, old, t_fault, first, window):
        """Once the watch has seen a new leader (or its deadline passed): the times
        against the goal, and which node took over from `old`."""
        watch.join(max(0.0, watch.deadline - time.monotonic()))
        self.judge_times(t_fault, first, watch, window)
        new = watch.new_leader.name if watch.new_leader else "none"
        self.notes.append(f"{old.name} -> {new}")

    def judge_times(self, t_fault, first, watch=None, window=None):
        self.gap = None if first is None else first - t_fault
        if watch is not None:
            if watch.promoted:
                self.promoted = watch.promoted - t_fault
            if watch.writable:
                self.writable = watch.writable - t_fault
            else:
                self.failures.append(f"the database never took a write again ({watch.error})")
        if first is None:
            self.failures.append(f"no 201 within the {window:.0f} s window after the fault")
        elif self.goal is not None and self.gap > self.goal:
            miss = f"first 201 after {self.gap:.1f} s, goal {self.goal} s"
            if (self.writable is not None and self.writable > self.goal
                    and self.gap - self.writable <= SHARE_GOAL):
                # The database itself took no write until past the goal: no server could
                # have met it with this cluster's timings. Reported, and a failure only
                # with FAILOVER_STRICT=1.
                self.db_misses.append(f"{miss}; the database took no write until "
                                      f"{self.writable:.1f} s (Patroni's timings)")
            else:
                self.failures.append(miss)
        if first is not None and self.writable is not None:
            self.share = self.gap - self.writable
            if self.share_goal and self.share > SHARE_GOAL:
                self.failures.append(f"server's share {self.share:.2f} s, goal {SHARE_GOAL} s")


class Harness:
    def __init__(self, run):
        self.run = run
        self.cluster = None
        self.server = None
        self.tag = f"fo{int(time.time())}"

    def ensure_cluster(self):
        if self.cluster is None:
            self.cluster = Cluster(self.run)
            self.cluster.bootstrap()
            self.server = Server(self.run, "userapi", self.cluster.database_url())
            log(f"server on 127.0.0.1:{self.server.port} (admin {self.server.admin_port}), "
                f"DATABASE_URL={self.cluster.database_url().replace('failover-app-pw', '***')}")
        self.cluster.wait_healthy()
        return self.cluster, self.server

    def read_rows(self, prefix, result=None, probe_ids=()):
        """The fault's rows, from the primary once the cluster is healthy again; and
        whether the harness's own acknowledged probe INSERTs are all still there."""
        leader = wait_until("a leader to read from", self.cluster.leader, 30)
        missing = probe_lost(leader.pg_port, [i for i in probe_ids if i is not None])
        if missing and result is not None:
            result.failures.append(
                f"the database lost {len(missing)} committed probe INSERT(s) of the harness "
                f"(ids {missing}): PostgreSQL acknowledged them, the cluster no longer has "
                "them; no server can keep such a write")
        return rows_of(leader.pg_port, prefix)

    # ---------------------------------------------------------------- the faults
    def fault_primary(self, name):
        """kill, stop, pause and switchover: the primary goes, another node takes over."""
        cluster, server = self.ensure_cluster()
        old = cluster.leader()
        result = Result(name)
        prefix = f"{self.tag}-{name}"
        writers = Writers(server.port, prefix)
        window = GOALS[name] + WINDOW_EXTRA
        try:
            warm_up(writers)
            log_at = server.log_size()
            log(f"{name}: primary is {old.name}; {writers.count_acked()} users acknowledged")
            old_postmaster = old.postmaster()
            # Both watches start before the fault, so neither misses its moment.
            watch = WritableWatch(cluster.nodes, excluded={old.name})
            gone = GoneWatch(old_postmaster if name in ("stop", "switchover") else None)
            t_fault = time.monotonic()
            if name == "kill":
                old.kill()
            elif name == "stop":
                old.stop()
            elif name == "pause":
                paused = old.signal_all(signal.SIGSTOP, old_postmaster)
                result.notes.append(f"Patroni and {len(paused)} PostgreSQL processes paused")
            elif name == "switchover":
                out = cluster.patronictl("switchover", "--force")
                if "Successfully" not in out:
                    result.failures.append(f"patronictl switchover: {out.strip()[-300:]}")
            t_acted = time.monotonic()
            # The outage begins when the old primary can take no more writes; the first
            # 201 that counts answers a request sent after that: once every process of
            # a killed or paused node has its signal (listing the children takes a few
            # ms), once the postmaster of a stopped or switched-over one has exited.
            if name in ("kill", "pause"):
                t_gone = t_acted
            else:
                gone.join(max(0.0, gone.deadline - time.monotonic()))
                if gone.gone is None:
                    raise RuntimeError(f"{old.name}'s postmaster {old_postmaster} never exited")
                t_gone = gone.gone
            result.notes.append(f"old primary gone {t_gone - t_fault:.2f} s after the fault")
            first = wait_first_201(writers, t_gone, window - (t_gone - t_fault))
            if first is not None:  # a little of the load after the recovery, then stop
                writers.stop_event.wait(1.0)
            result.judge_failover(watch, old, t_fault, first, window)
        finally:
            writers.stop()
            if name == "pause":
                old.signal_all(signal.SIGCONT, old_postmaster)
        result.log = server.log_since(log_at)
        if name in ("kill", "stop"):
            if name == "stop":
                old.wait_stopped()
            old.start()  # the node comes back and rejoins as a standby
        cluster.wait_healthy()
        leader = cluster.leader()
        if leader is old and name != "switchover" and watch.new_leader is not None:
            # Only a failure of the new leader could hand the key back, and there was
            # none: the old primary took it from the new one. Patroni 3.0.2's etcd3
            # client does this (an unconditional put of the leader key with a new lease,
            # fixed in 3.0.3); every write the new primary acknowledged is rewound away.
            result.failures.append(
                f"{old.name} took the leader key back from {watch.new_leader.name} when it "
                f"came back: a split brain (with FAILOVER_DCS={DCS})")
        result.notes.append(f"leader afterwards {leader.name if leader else 'none'}")
        result.finish(writers, self.read_rows(prefix, result, [watch.probe_id]))
        return result

    def fault_standbys(self):
        cluster, server = self.ensure_cluster()
        leader = cluster.leader()
        standbys = [n for n in cluster.nodes if n is not leader]
        result = Result("standbys")
        prefix = f"{self.tag}-standbys"
        writers = Writers(server.port, prefix)
        try:
            warm_up(writers)
            log_at = server.log_size()
            log(f"standbys: stopping {standbys[0].name} and {standbys[1].name}; "
                f"leader {leader.name}")
            t_fault = time.monotonic()
            for s in standbys:
                s.stop()
            for s in standbys:
                s.wait_stopped()
            t_down = time.monotonic()
            # An INSERT on the leader now waits for a synchronous standby: it commits
            # when one is back, the moment the database can acknowledge writes again.
            watch = WritableWatch([leader])
            # The measurement window: two deadlines with no standby at all.
            writers.stop_event.wait(2 * DEADLINE + 0.5)
            t_restart = time.monotonic()
            standbys[0].start()
            first = wait_first_201(writers, t_down, 60)
            if first is not None:
                writers.stop_event.wait(1.0)
            watch.join(max(0.0, watch.deadline - time.monotonic()))
        finally:
            writers.stop()
        result.log = server.log_since(log_at)
        in_window = [r for r in writers.records
                     if r.sent >= t_down and r.done is not None and r.done < t_restart]
        not_503 = [r for r in in_window if r.status != 503]
        slowest = max((r.done - r.sent for r in in_window), default=0.0)
        result.notes.append(f"{len(in_window)} POSTs with no standby: "
                            f"{len(in_window) - len(not_503)} x 503, slowest {slowest:.2f} s")
        if not in_window:
            result.failures.append("no request was answered while both standbys were down")
        if not_503:
            statuses = sorted({str(r.status) for r in not_503})
            result.failures.append(f"{len(not_503)} POSTs with no standby were not 503 "
                                   f"({', '.join(statuses)})")
        if slowest > DEADLINE + 1.0:
            result.failures.append(f"slowest answer with no standby {slowest:.2f} s, "
                                   f"over one deadline ({DEADLINE:.0f} s) + 1 s")
        result.judge_times(t_restart, first, None, 60)
        if watch.writable:
            result.writable = watch.writable - t_restart
            if first is not None:
                result.share = first - watch.writable
                if result.share > SHARE_GOAL:
                    result.failures.append(f"server's share {result.share:.2f} s, "
                                           f"goal {SHARE_GOAL} s")
        else:
            result.failures.append(f"the waiting commits never completed ({watch.error})")
        result.notes.append("times from the first standby's restart")
        standbys[1].start()
        cluster.wait_healthy()
        result.finish(writers, self.read_rows(prefix, result, [watch.probe_id]))
        return result

    def fault_stuck(self):
        pg = PlainPostgres(self.run)
        server = Server(self.run, "userapi-plain", pg.database_url())
        result = Result("stuck")
        prefix = f"{self.tag}-stuck"
        writers = Writers(server.port, prefix)
        stopped = None
        try:
            warm_up(writers)
            log_at = server.log_size()
            pids = psql(pg.port, "SELECT pid FROM pg_stat_activity WHERE application_name"
                        " = 'userapi' AND backend_type = 'client backend' "
                        "ORDER BY state = 'active' DESC, pid").split()
            if not pids:
                raise RuntimeError("no backend of the server in pg_stat_activity")
            target = int(pids[0])
            for attempt in range(10):
                # Stopped while it waits for the server's next statement (in epoll, as
                # /proc/PID/wchan shows), the backend holds no lock that others need: the
                # stuck session of the issue, with PostgreSQL fine. Stopped at a random
                # moment it is mostly in its commit's fsync, holding WALWriteLock, and
                # then every session waits: another fault. So it is stopped when it
                # waits, and resumed and stopped again if a new session cannot commit.
                wait_until("the server's backend waiting for its client",
                           lambda: "epoll" in wchan(target), 5, interval=0.0005)
                t_fault = time.monotonic()
                os.kill(target, signal.SIGSTOP)
                stopped = target
                try:
                    probe_write(pg.port, timeout=2)
                    t_writable = time.monotonic()
                    break
                except Exception:
                    os.kill(stopped, signal.SIGCONT)
                    stopped = None
                    log("stuck: the stopped backend blocked other sessions; again")
            else:
                raise RuntimeError("could not stop a backend without blocking the others")
            log(f"stuck: backend {stopped} stopped ({len(pids)} server backend(s), "
                f"attempt {attempt + 1})")
            window = GOALS["stuck"] + WINDOW_EXTRA
            first = wait_first_201(writers, t_fault, window)
            if first is not None:
                writers.stop_event.wait(1.0)
        finally:
            if stopped:
                os.kill(stopped, signal.SIGCONT)
            writers.stop()
        result.log = server.log_since(log_at)
        result.judge_times(t_fault, first, None, window)
        result.writable = t_writable - t_fault
        if first is not None:
            result.share = result.gap - result.writable
        result.notes.append(f"server backend pid {stopped}")
        result.finish(writers, rows_of(pg.port, prefix))
        server.stop()
        pg.stop()
        return result

    def fault_zombie(self):
        """Patroni killed on the leader, its PostgreSQL left running (zombie.py)."""
        cluster, _ = self.ensure_cluster()
        old = cluster.leader()
        # A reconnect must meet the zombie first: a server whose list starts with it.
        server = Server(self.run, APP_NAME, cluster.database_url(old, APP_NAME))
        result = Result("zombie")
        prefix = f"{self.tag}-zombie"
        log_at = server.log_size()
        writers = Writers(server.port, prefix)
        zombie_rows = watch = None
        try:
            warm_up(writers)
            log_at = server.log_size()
            pm = old.postmaster()
            log(f"zombie: leader {old.name} (postmaster {pm}), first in the server's "
                f"DATABASE_URL; {writers.count_acked()} users acknowledged")
            watch = WritableWatch(cluster.nodes, excluded={old.name})
            t_fault = time.monotonic()
            old.kill_patroni()
            if not pid_alive(pm):
                raise RuntimeError(f"{old.name}'s postmaster died with Patroni")
            # Until the promotion the zombie commits with its synchronous standby, and
            # a 201 from it is no recovery: the outage starts there.
            t_promoted = wait_until("a standby promoted", lambda: watch.promoted,
                                    ZOMBIE_WINDOW, interval=0.05)
            last = max((r.done for r in writers.acked() if r.sent < t_promoted),
                       default=t_fault)
            result.notes.append(f"last 201 to a request sent before the promotion "
                                f"{last - t_fault:.2f} s after the fault")
            first = wait_first_201(writers, t_promoted,
                                   ZOMBIE_WINDOW - (t_promoted - t_fault))
            if first is not None:
                writers.stop_event.wait(1.0)
            result.notes.append(zombie_state(old))  # under load, as the window ends
            result.notes.append(f"the server connected after the fault to: "
                                f"{reconnects(server, log_at, cluster.nodes)}")
            result.judge_failover(watch, old, t_fault, first, ZOMBIE_WINDOW)
        finally:
            writers.stop()
            result.log = server.log_since(log_at, limit=20)
            server.stop()
            if not old.patroni_running():  # also after a harness error: the next fault
                try:                       # needs the node back
                    if old.postmaster() is not None:
                        release_waiters(old)
                        zombie_rows = rows_of(old.pg_port, prefix)
                finally:
                    stop_postgres(old)
                    old.start()
        cluster.wait_healthy()
        leader = cluster.leader()
        result.notes.append(f"leader afterwards {leader.name if leader else 'none'}")
        rows = self.read_rows(prefix, result, [watch.probe_id] if watch else [])
        if zombie_rows is not None:
            zombie_only_rows(result, writers, zombie_rows, rows)
        result.finish(writers, rows)
        return result

    def run_fault(self, name):
        log(f"=== {name}")
        t = time.monotonic()
        try:
            if name == "standbys":
                result = self.fault_standbys()
            elif name == "stuck":
                result = self.fault_stuck()
            elif name == "zombie":
                result = self.fault_zombie()
            else:
                result = self.fault_primary(name)
        except Exception as e:
            result = Result(name)
            result.failures.append(f"harness error: {type(e).__name__}: {e}")
            if self.cluster is not None:
                log(self.cluster.patronictl("list"))
        log(f"{name}: done in {time.monotonic() - t:.1f} s: "
            + ("; ".join(result.failures + result.db_misses) or "ok"))
        return result

    # ---------------------------------------------------------------- sync cost
    def sync_cost(self, pairs=6, seconds=3):
        """POST /users per second with and without a synchronous standby, in one run:
        wrk (bench/post_user.lua, 2 threads, 16 connections) against the server over the
        cluster, synchronous_mode toggled with patronictl edit-config between rounds.
        The rounds come in pairs, ordered on-off, off-on, ... (ABBA), and each pair gives
        one ratio, so that a machine whose load drifts during the run (other builds on
        the same 2 cores) biases neither side; the median pair is the figure."""
        import subprocess
        cluster, server = self.ensure_cluster()
        leader = cluster.leader()

        def set_sync(on):
            value = "true" if on else "false"
            cluster.patronictl("edit-config", "--force", "-s", f"synchronous_mode={value}",
                               "-s", f"synchronous_mode_strict={value}")
            wait_until(f"synchronous_standby_names {'set' if on else 'empty'}",
                       lambda: bool(psql(leader.pg_port, "SHOW synchronous_standby_names"))
                       == on, 30, interval=0.2)

        def rate(on, tag):
            set_sync(on)
            env = dict(os.environ, BENCH_TAG=f"{self.tag}-{tag}")
            out = subprocess.run(
                ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", "bench/post_user.lua",
                 f"http://127.0.0.1:{server.port}"],
                cwd=REPO, env=env, capture_output=True, text=True, timeout=seconds + 30)
            line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRK "))
            fields = dict(kv.split("=") for kv in line.split()[1:])
            if int(fields["errors"]) or int(fields["non2xx"]):
                raise RuntimeError(f"wrk saw errors: {line}")
            r = int(fields["requests"]) / (int(fields["duration_us"]) / 1e6)
            log(f"synchronous standby {'on ' if on else 'off'}: {r:,.0f} POST/s "
                f"(p50 {int(fields['p50_us']) / 1000:.1f} ms, "
                f"p99 {int(fields['p99_us']) / 1000:.1f} ms)")
            return r

        load = os.getloadavg()[0]
        ratios, rates = [], {True: [], False: []}
        for p in range(pairs):
            order = (True, False) if p % 2 == 0 else (False, True)
            got = {on: rate(on, f"{p}-{int(on)}") for on in order}
            for on in got:
                rates[on].append(got[on])
            ratios.append(got[True] / got[False])
            log(f"pair {p + 1}: with / without = {ratios[-1]:.2f}")
        set_sync(True)
        ratios.sort()
        median = (ratios[(pairs - 1) // 2] + ratios[pairs // 2]) / 2
        print(f"\nsync-cost ({pairs} pairs of {seconds} s rounds, load average {load:.1f} at "
              f"the start): POST /users with a synchronous standby / without = "
              f"{median:.2f} (median pair; pairs {', '.join(f'{r:.2f}' for r in ratios)}); "
              f"with: {', '.join(f'{r:,.0f}' for r in rates[True])} POST/s, "
              f"without: {', '.join(f'{r:,.0f}' for r in rates[False])} POST/s")
        return 0


def fmt(x, unit="s"):
    return "-" if x is None else f"{x:.2f} {unit}".strip()


def summary(results, started):
    print("\n" + "=" * 78)
    print(f"failover summary ({time.monotonic() - started:.0f} s, "
          f"commit {os.popen(f'git -C {REPO} rev-parse --short HEAD').read().strip()})")
    print()
    header = ("| fault | goal | first 201 | promoted | writable | server's share | "
              "sent | 201 | unknown (committed) | lost | unexpected | result |")
    print(header)
    print("|" + "---|" * 12)
    for r in results:
        c = r.counts
        goal = f"{r.goal} s" if r.goal else "503s <= 5 s"
        unknown = f"{c['unknown']} ({c['unknown_committed']})" if c else "-"
        share = fmt(r.share) + ("" if r.share_goal else " (n/a)")
        print(f"| {r.name} | {goal} | {fmt(r.gap)} | {fmt(r.promoted)} | {fmt(r.writable)} | "
              f"{share} | {c.get('sent', '-')} | {c.get('acked', '-')} | {unknown} | "
              f"{'-' if r.lost is None else r.lost} | "
              f"{'-' if r.unexpected is None else r.unexpected} | "
              f"{r.verdict()} |")
    print()
    for r in results:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.counts.get("statuses", {}).items()))
        print(f"{r.name}: {'; '.join(r.notes)}" + (f"; answers {statuses}" if statuses else ""))
        for f in r.failures:
            print(f"  FAILED: {f}")
        for f in r.db_misses:
            print(f"  MISSED BY THE DATABASE: {f}")
        if r.failures and r.log:
            print("  server log during the fault:")
            for line in r.log:
                print(f"    {line}")
    strict = os.environ.get("FAILOVER_STRICT") == "1"
    return not any(r.failures or (strict and r.db_misses) for r in results)


def main():
    started = time.monotonic()
    run = Run(keep=os.environ.get("FAILOVER_KEEP") == "1")
    log(f"temp dir {run.dir}")
    harness = Harness(run)
    try:
        if sys.argv[1:] == ["sync-cost"]:
            return harness.sync_cost()
        wanted = [f.strip() for f in os.environ.get("FAILOVER_FAULTS", "").split(",") if f.strip()]
        unknown = set(wanted) - set(ALL_FAULTS)
        if unknown:
            raise SystemExit(f"FAILOVER_FAULTS: unknown {sorted(unknown)}; known: {ALL_FAULTS}")
        faults = [f for f in ALL_FAULTS if not wanted or f in wanted]
        results = [harness.run_fault(f) for f in faults]
        ok = summary(results, started)
        data_ok = all(r.lost == 0 and r.unexpected == 0 for r in results)
        if not ok and os.environ.get("FAILOVER_NO_GOALS") == "1" and data_ok:
            print("\nFAILOVER_NO_GOALS=1: goals missed, but no row lost or unexpected")
            return 0
        print(f"\nfailover: {'all goals met' if ok else 'FAILED (above)'}")
        return 0 if ok else 1
    finally:
        if harness.server:
            harness.server.stop()
        run.cleanup()


if __name__ == "__main__":
    sys.exit(main())
