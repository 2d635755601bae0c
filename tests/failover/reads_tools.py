"""What the standby-reads harness (reads.py) measures with: the API server processes it
starts, their /metrics, the CPU each PostgreSQL node spends, wrk, and HAProxy on
port 8000 for test_api.py.

Metrics (the server's ADMIN port, Prometheus text), summed over the servers asked:
  userapi_reads_total{connection="primary"|"standby"}: one per GET /users/{id}
      answered and one per page of GET /users, by the connection that answered it;
  userapi_read_fallbacks_total{cause=...}: reads that went to the primary after all
      (not_found, lagging, no_standby, deadline, connection, recovery_conflict,
      promoted, rejected).
A node's CPU: utime + stime of its postmaster and of every child alive now, plus the
postmaster's cutime + cstime (its children that have exited and been reaped), in
seconds, from /proc. Backends, walsenders, the checkpointer: all of PostgreSQL's work
on that node, none of Patroni's.
"""

import os
import re
import shutil
import socket
import subprocess

from cluster import http_get, status_of
from procs import children_of, free_port, log, wait_until

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
READS_METRIC = "userapi_reads_total"
FALLBACKS_METRIC = "userapi_read_fallbacks_total"
LOG_MARKS = ("standby reads:", "database:")
CLK_TCK = os.sysconf("SC_CLK_TCK")
_SAMPLE = re.compile(r'^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, ((label, value), ...)): float} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m and not line.startswith("#"):
            labels = tuple(sorted(_LABEL.findall(m.group(2) or "")))
            try:
                out[(m.group(1), labels)] = float(m.group(3))
            except ValueError:
                pass
    return out


def by_label(samples, name, label):
    """{label value: sum} of metric `name`."""
    out = {}
    for (n, labels), v in samples.items():
        if n == name:
            key = dict(labels).get(label, "")
            out[key] = out.get(key, 0.0) + v
    return out


def delta(after, before):
    return {k: after[k] - before.get(k, 0.0) for k in after if after[k] != before.get(k, 0.0)}


class ApiServer:
    """The release binary with DATABASE_URL and, for reads on, READ_DATABASE_URL."""

    def __init__(self, run, name, url, read_url=None):
        self.name = name
        self.port, self.admin_port = free_port(), free_port()
        binary = os.environ.get("FAILOVER_SERVER", os.path.join(REPO, "target/release/userapi"))
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} missing: cargo build --release first")
        env = {"DATABASE_URL": url, "PORT": str(self.port), "ADMIN_PORT": str(self.admin_port)}
        if read_url:
            env["READ_DATABASE_URL"] = read_url
        self.log_path = run.path(f"{name}.log")
        self.proc = run.spawn(name, [binary], env=env)
        wait_until(f"{name} /ready", lambda: status_of(self.admin_port, "/ready") == 200, 60)

    def metrics(self):
        status, body = http_get(self.admin_port, "/metrics", timeout=5)
        if status != 200:
            raise RuntimeError(f"{self.name} /metrics answered {status}")
        return parse_metrics(body.decode())

    def log_size(self):
        return os.path.getsize(self.log_path)

    def log_lines(self, since=0, marks=LOG_MARKS, limit=10):
        """The server's log lines from byte `since` on that contain one of marks, runs
        of one line collapsed."""
        with open(self.log_path, errors="replace") as f:
            f.seek(since)
            raw = [ln.rstrip() for ln in f if any(m in ln for m in marks)]
        lines = []
        for ln in raw:
            if lines and lines[-1][0] == ln:
                lines[-1][1] += 1
            else:
                lines.append([ln, 1])
        lines = [f"{self.name}: {ln}" + (f" (x{n})" if n > 1 else "") for ln, n in lines]
        return lines if len(lines) <= limit else lines[:limit // 2] + [
            f"{self.name}:   ... {len(lines) - limit} more ..."] + lines[-limit // 2:]


def read_counts(servers):
    """(reads by connection, fallbacks by cause), summed over servers."""
    reads, falls = {}, {}
    for s in servers:
        m = s.metrics()
        for k, v in by_label(m, READS_METRIC, "connection").items():
            reads[k] = reads.get(k, 0.0) + v
        for k, v in by_label(m, FALLBACKS_METRIC, "cause").items():
            falls[k] = falls.get(k, 0.0) + v
    return reads, falls


def standby_share(reads):
    total = reads.get("primary", 0.0) + reads.get("standby", 0.0)
    return reads.get("standby", 0.0) / total if total else 0.0


def fmt_causes(falls):
    return ",".join(f"{k}:{int(v)}" for k, v in sorted(falls.items()) if v) or "none"


def _proc_seconds(pid, reaped):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLK_TCK


def node_cpu(node):
    """CPU seconds the node's PostgreSQL has used (module docstring); None if it is down."""
    pm = node.postmaster()
    if pm is None:
        return None
    total = _proc_seconds(pm, True)
    for kid in children_of(pm):
        try:
            total += _proc_seconds(kid, False)
        except (OSError, IndexError, ValueError):
            pass  # exited meanwhile: counted in the postmaster's cutime once reaped
    return total


def wrk_start(run, port, script, seconds, conns, threads=1, env=None):
    """wrk in the background; the run's name as a script argument puts it in the
    command line, so the run's cleanup finds it."""
    return subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "-s", script,
         f"http://127.0.0.1:{port}", "--", run.name],
        cwd=REPO, env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


def wrk_result(proc, seconds):
    """The WRK line's fields (bench/report.lua, or get_ids.lua's with max_us) as ints."""
    out, _ = proc.communicate(timeout=seconds + 60)
    line = next((ln for ln in out.splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no WRK line:\n{out}")
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def ids_script(run, ids):
    """get_ids.lua and the ids file it reads, in the run's temp dir."""
    path = run.path("ids.txt")
    with open(path, "w") as f:
        f.write("\n".join(str(i) for i in ids) + "\n")
    script = run.path("get_ids.lua")
    shutil.copy(os.path.join(HERE, "get_ids.lua"), script)
    return script, {"READS_IDS": path}


def port_in_use(port):
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        with socket.socket(family) as s:
            s.settimeout(0.5)
            try:
                if s.connect_ex((host, port)) == 0:
                    return True
            except OSError:
                pass
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def start_haproxy(run, servers, port=8000):
    """HAProxy 2.6 on 127.0.0.1:port, round robin over servers (test_api.py's
    BASE_URL is http://localhost:8000)."""
    if port_in_use(port):
        raise RuntimeError(f"port {port} is taken (test_api.py needs it): stop what listens "
                           f"there (ss -ltnp 'sport = :{port}') and run again")
    cfg = run.path("haproxy.cfg")
    with open(cfg, "w") as f:
        f.write("global\n    maxconn 256\n"
                "defaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n"
                "    timeout server 30s\n"
                f"frontend api\n    bind 127.0.0.1:{port}\n    default_backend replicas\n"
                "backend replicas\n    balance roundrobin\n"
                + "".join(f"    server {s.name} 127.0.0.1:{s.port}\n" for s in servers))
    proc = run.spawn("haproxy", ["haproxy", "-db", "-f", cfg])
    wait_until(f"haproxy on {port}", lambda: status_of(port, "/") == 200, 10)
    log(f"haproxy on 127.0.0.1:{port} -> " + ", ".join(s.name for s in servers))
    return proc
