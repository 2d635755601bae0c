"""A Patroni cluster on loopback, as Patroni's own acceptance tests run one: etcd plus
three Patroni nodes from Debian's packages (etcd-server 3.4, patroni 3.0.2) managing
PostgreSQL 15, each process on 127.0.0.1 with ports picked free, all in one temp dir.

Test timings (ttl 10 s, loop_wait 2 s, retry_timeout 4 s), strict synchronous mode (a
commit returns only once a synchronous standby has it, and with no standby commits
wait rather than go on alone), pg_rewind for a former primary that comes back. The
database `appdb` belongs to the role `app`, which logs in with a password (SCRAM) as
the server does; the superuser `postgres` is for the harness.

Nothing here sleeps to synchronise: every wait polls Patroni's REST API (/primary,
/sync, /cluster), pg_isready or pg_stat_replication until it holds, with a deadline.
"""

import http.client
import json
import os
import signal
import subprocess
import threading
import time

from procs import (free_port, log, pid_alive, signal_group, signal_postmaster_family,
                   wait_until)

PG_BIN = os.environ.get("FAILOVER_PG_BIN", "/usr/lib/postgresql/15/bin")
SUPERUSER_PASSWORD = "failover-superuser"
APP_USER, APP_PASSWORD, APP_DB = "app", "failover-app-pw", "appdb"
TTL, LOOP_WAIT, RETRY_TIMEOUT = 10, 2, 4
# Which of Patroni's etcd clients: "etcd" (etcd's v2 API) or "etcd3". See Cluster.
DCS = os.environ.get("FAILOVER_DCS", "etcd")


def http_get(port, path, timeout=0.5):
    """(status, body) of GET http://127.0.0.1:port/path; raises on no answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def status_of(port, path, timeout=0.5):
    try:
        return http_get(port, path, timeout)[0]
    except OSError:
        return None


def psql(port, sql, *, db="postgres", user="postgres", password=SUPERUSER_PASSWORD,
         timeout=10):
    """Runs sql over TCP on 127.0.0.1:port; returns its unaligned, tuples-only output."""
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="2",
               PGAPPNAME="failover-harness")
    out = subprocess.run(
        [f"{PG_BIN}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
         "-p", str(port), "-U", user, "-d", db, "-c", sql],
        env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"psql on port {port}: {out.stderr.strip()}")
    return out.stdout.strip()


def pg_isready(port):
    return subprocess.run([f"{PG_BIN}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)],
                          timeout=5).returncode == 0


def postmaster_pid(data_dir):
    try:
        with open(os.path.join(data_dir, "postmaster.pid")) as f:
            pid = int(f.readline())
        return pid if pid_alive(pid) else None
    except (OSError, ValueError):
        return None


class Node:
    def __init__(self, run, name, etcd_port, scope):
        self.run, self.name = run, name
        self.pg_port, self.api_port = free_port(), free_port()
        self.home = run.mkdir(name)
        self.data_dir = os.path.join(self.home, "data")
        self.config = os.path.join(self.home, "patroni.yml")
        self.proc = None
        config = {
            "scope": scope,
            "name": name,
            "log": {"level": "INFO", "format": "%(asctime)s %(levelname)s: %(message)s"},
            "restapi": {"listen": f"127.0.0.1:{self.api_port}",
                        "connect_address": f"127.0.0.1:{self.api_port}"},
            DCS: ({"hosts": [f"127.0.0.1:{etcd_port}"]} if DCS == "etcd3"
                  else {"host": f"127.0.0.1:{etcd_port}"}),
            "bootstrap": {
                "dcs": {
                    "ttl": TTL, "loop_wait": LOOP_WAIT, "retry_timeout": RETRY_TIMEOUT,
                    "maximum_lag_on_failover": 1048576,
                    "synchronous_mode": True, "synchronous_mode_strict": True,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {
                            "wal_log_hints": "on", "wal_keep_size": "128MB",
                            "max_connections": 100, "max_wal_senders": 10,
                            "max_replication_slots": 10, "hot_standby": "on",
                            "password_encryption": "scram-sha-256",
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C"}, "data-checksums"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.pg_port}",
                "connect_address": f"127.0.0.1:{self.pg_port}",
                "data_dir": self.data_dir,
                "bin_dir": PG_BIN,
                "pgpass": os.path.join(self.home, "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": SUPERUSER_PASSWORD},
                    "replication": {"username": "replicator", "password": "failover-repl"},
                },
                "parameters": {"unix_socket_directories": self.home,
                               "shared_buffers": "32MB"},
                "pg_hba": [
                    "local all all trust",
                    "host replication replicator 127.0.0.1/32 scram-sha-256",
                    "host all all 127.0.0.1/32 scram-sha-256",
                ],
                "remove_data_directory_on_rewind_failure": True,
                "remove_data_directory_on_diverged_timelines": True,
            },
            "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False},
        }
        # YAML is a superset of JSON: no YAML library needed to write Patroni's config.
        with open(self.config, "w") as f:
            json.dump(config, f, indent=1)
        if run.uid is not None:
            os.chown(self.config, run.uid, run.gid)

    # ---- the processes
    def start(self):
        self.proc = self.run.spawn(self.name, ["patroni", self.config], as_postgres=True,
                                   log_name=f"{self.name}-patroni")

    def patroni_running(self):
        return self.proc is not None and self.proc.poll() is None

    def postmaster(self):
        return postmaster_pid(self.data_dir)

    def signal_all(self, sig, postmaster=None):
        """Sends sig to every process of the node: Patroni's process group first (so it
        cannot react), then the postmaster and each of its children. Returns the pids
        of the PostgreSQL processes signalled."""
        if self.patroni_running():
            signal_group(self.proc.pid, sig)
        pm = postmaster or self.postmaster()
        return signal_postmaster_family(pm, sig) if pm else []

    def kill(self):
        """The node is lost: Patroni and PostgreSQL SIGKILLed together."""
        pm = self.postmaster()
        self.signal_all(signal.SIGKILL, pm)
        self.proc.wait(timeout=10)
        wait_until(f"{self.name}'s postmaster gone", lambda: self.postmaster() is None, 10)

    def kill_patroni(self):
        """Patroni alone is lost (the OOM killer, a crash), its PostgreSQL goes on: SIGKILL
        to Patroni's process group, which the postmaster is not in (Patroni starts it
        through a helper that calls setsid(), as pg_ctl does)."""
        signal_group(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        """SIGTERM to Patroni, which stops PostgreSQL (fast) and releases its keys."""
        signal_group(self.proc.pid, signal.SIGTERM)

    def wait_stopped(self, timeout=30):
        wait_until(f"{self.name} stopped",
                   lambda: self.proc.poll() is not None and self.postmaster() is None, timeout)

    # ---- Patroni's REST API
    def is_primary(self, timeout=0.5):
        return status_of(self.api_port, "/primary", timeout) == 200

    def is_sync(self, timeout=0.5):
        return status_of(self.api_port, "/sync", timeout) == 200

    def cluster(self, timeout=1.0):
        status, body = http_get(self.api_port, "/cluster", timeout)
        return json.loads(body) if status == 200 else None


class Etcd:
    def __init__(self, run):
        self.run = run
        self.client_port, self.peer_port = free_port(), free_port()
        data = run.mkdir("etcd")
        self.proc = run.spawn("etcd", [
            "etcd", "--name", "etcd0", "--data-dir", data,
            "--listen-client-urls", f"http://127.0.0.1:{self.client_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{self.client_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{self.peer_port}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer_port}",
            "--initial-cluster", f"etcd0=http://127.0.0.1:{self.peer_port}",
            "--logger", "zap", "--log-level", "warn", "--enable-v2=true",
        ], as_postgres=True)
        wait_until("etcd healthy", lambda: status_of(self.client_port, "/health") == 200, 30)


class Cluster:
    """etcd + three Patroni nodes; bootstrap() returns once the cluster is healthy and
    appdb exists."""

    def __init__(self, run, size=3):
        self.run = run
        self.etcd = Etcd(run)
        # The scope is PostgreSQL's cluster_name, so every process title names the run.
        self.nodes = [Node(run, f"pg{i + 1}", self.etcd.client_port, run.name)
                      for i in range(size)]

    def database_url(self, first=None, application_name=None):
        """The server's multi-host URL: every node, in order, or `first` and then the
        others (a fault that needs a given node where a reconnect tries first); the
        server's sessions are named application_name if given, else 'userapi'."""
        nodes = sorted(self.nodes, key=lambda n: n is not first) if first else self.nodes
        hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in nodes)
        name = f"&application_name={application_name}" if application_name else ""
        return (f"postgresql://{APP_USER}:{APP_PASSWORD}@{hosts}/{APP_DB}"
                f"?target_session_attrs=read-write{name}")

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def bootstrap(self):
        t = time.monotonic()
        for n in self.nodes:  # one wins the initialize key and runs initdb; the others
            n.start()         # wait for it and clone it with pg_basebackup
        self.wait_healthy(timeout=120)
        leader = self.leader()
        psql(leader.pg_port, f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'")
        psql(leader.pg_port, f"CREATE DATABASE {APP_DB} OWNER {APP_USER}")
        psql(leader.pg_port, "CREATE TABLE failover_probe (id serial PRIMARY KEY, "
             "at timestamptz NOT NULL DEFAULT now())", db=APP_DB)
        log(f"cluster up in {time.monotonic() - t:.1f} s: leader {leader.name}; "
            + ", ".join(f"{n.name} pg:{n.pg_port} api:{n.api_port}" for n in self.nodes))

    def leader(self):
        """The node whose /primary answers 200 (Patroni holds the leader key and
        PostgreSQL is out of recovery), if exactly one does."""
        primaries = [n for n in self.nodes if n.patroni_running() and n.is_primary()]
        return primaries[0] if len(primaries) == 1 else None

    def members(self):
        for n in self.nodes:
            if n.patroni_running():
                try:
                    c = n.cluster()
                    if c:
                        return c.get("members", [])
                except (OSError, ValueError):
                    continue
        return []

    def healthy(self):
        """Every node running, one leader, its two standbys streaming from it, one of
        them the synchronous standby: the state each fault must start from."""
        if not all(n.patroni_running() for n in self.nodes):
            return False
        members = self.members()
        roles = sorted(m.get("role") for m in members)
        if roles != ["leader", "replica", "sync_standby"]:
            return False
        if not all(m.get("state") in ("running", "streaming") for m in members):
            return False
        leader = self.leader()
        if leader is None or not any(n.is_sync() for n in self.nodes if n is not leader):
            return False
        streaming = psql(leader.pg_port, "SELECT count(*) FILTER (WHERE state = 'streaming'),"
                         " count(*) FILTER (WHERE sync_state = 'sync') FROM pg_stat_replication",
                         timeout=3)
        return streaming == "2|1"

    def wait_healthy(self, timeout=90):
        try:
            wait_until("cluster healthy (leader, 2 streaming standbys, 1 synchronous)",
                       self.healthy, timeout, interval=0.2)
        except TimeoutError:
            log("cluster not healthy; patronictl list:\n" + self.patronictl("list"))
            raise

    def patronictl(self, *args):
        n = next(n for n in self.nodes if n.patroni_running())
        out = subprocess.run(["patronictl", "-c", n.config, *args], capture_output=True,
                             text=True, timeout=60)
        return out.stdout + out.stderr


class PlainPostgres:
    """One PostgreSQL 15 without Patroni (the stuck-backend fault)."""

    def __init__(self, run):
        self.run = run
        self.port = free_port()
        self.home = run.mkdir("plain")
        self.data_dir = os.path.join(self.home, "data")
        pwfile = os.path.join(self.home, "pwfile")
        with open(pwfile, "w") as f:
            f.write(SUPERUSER_PASSWORD + "\n")
        if run.uid is not None:
            os.chown(pwfile, run.uid, run.gid)
        run.run_as_postgres([f"{PG_BIN}/initdb", "-D", self.data_dir, "-U", "postgres",
                             "--pwfile", pwfile, "-A", "scram-sha-256",
                             "--auth-local", "trust", "-E", "UTF8", "--locale", "C"])
        self.proc = run.spawn("plain-postgres", [
            f"{PG_BIN}/postgres", "-D", self.data_dir, "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.home}",
            "-c", "shared_buffers=32MB", "-c", f"cluster_name={run.name}-plain"],
            as_postgres=True)
        wait_until("plain PostgreSQL ready", lambda: pg_isready(self.port), 30)
        psql(self.port, f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'")
        psql(self.port, f"CREATE DATABASE {APP_DB} OWNER {APP_USER}")
        psql(self.port, "CREATE TABLE failover_probe (id serial PRIMARY KEY, "
             "at timestamptz NOT NULL DEFAULT now())", db=APP_DB)

    def database_url(self):
        return f"postgresql://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{self.port}/{APP_DB}"

    def stop(self):
        signal_postmaster_family(self.proc.pid, signal.SIGCONT)
        self.proc.send_signal(signal.SIGINT)  # fast shutdown
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            signal_group(self.proc.pid, signal.SIGKILL)


def probe_write(port, timeout=60):
    """One INSERT on a new session to the PostgreSQL at port, returning its id when it
    has committed: under strict synchronous mode, when a synchronous standby has it too.
    Each is an acknowledged write of the harness's own, checked at the end like the
    server's (probe_lost)."""
    return int(psql(port, "INSERT INTO failover_probe DEFAULT VALUES RETURNING id",
                    db=APP_DB, timeout=timeout).split()[0])


def probe_lost(port, ids):
    """The probe ids (acknowledged commits) missing from the database at port."""
    if not ids:
        return []
    present = psql(port, "SELECT id FROM failover_probe WHERE id IN ("
                   + ",".join(str(i) for i in ids) + ")", db=APP_DB).split()
    return sorted(set(ids) - {int(i) for i in present})


class WritableWatch(threading.Thread):
    """Times the database side of a failover, in the background:
    promoted = the first moment a node other than `excluded` answers Patroni's /primary
    with 200 (it holds the leader key and pg_is_in_recovery() is false there);
    writable = when one INSERT, sent on a new session to that node right then, commits
    (in strict synchronous mode a commit also waits for a synchronous standby, so this
    is when the database can acknowledge a write again, the earliest a 201 can be)."""

    def __init__(self, nodes, excluded=(), deadline_s=90):
        super().__init__(daemon=True)
        self.nodes = [n for n in nodes if n.name not in excluded]
        self.deadline = time.monotonic() + deadline_s
        self.promoted = self.writable = self.probe_id = None
        self.new_leader = None
        self.error = None
        self.start()

    def run(self):
        try:
            while self.promoted is None and time.monotonic() < self.deadline:
                for n in self.nodes:
                    if n.patroni_running() and n.is_primary(timeout=0.3):
                        self.promoted, self.new_leader = time.monotonic(), n
                        break
                else:
                    time.sleep(0.05)
            while self.writable is None and time.monotonic() < self.deadline:
                try:
                    self.probe_id = probe_write(
                        self.new_leader.pg_port, timeout=max(1, self.deadline - time.monotonic()))
                    self.writable = time.monotonic()
                except Exception as e:  # e.g. demoted again; ask the next moment
                    self.error = e
                    time.sleep(0.05)
        except Exception as e:
            self.error = e


class GoneWatch(threading.Thread):
    """When the old primary's postmaster (the pid it had before the fault) exits: from
    then on no write can reach it, so a 201 to a request sent later comes from the new
    primary. A stop or a switchover lets it take writes for a moment after the fault
    (Patroni checkpoints, then stops it); a kill ends it at once; a paused one never
    exits (its time is the fault's)."""

    def __init__(self, pid, deadline_s=90):
        super().__init__(daemon=True)
        self.pid, self.gone = pid, None
        self.deadline = time.monotonic() + deadline_s
        self.start()

    def run(self):
        while self.pid and time.monotonic() < self.deadline:
            if not pid_alive(self.pid):
                self.gone = time.monotonic()
                return
            time.sleep(0.02)
