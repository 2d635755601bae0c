"""Processes the harness starts, and the guarantee that none outlives it.

Every child is started in a process group of its own (start_new_session). PostgreSQL
is not one group: Patroni starts the postmaster through a helper that calls setsid(),
and every process the postmaster forks (backends, checkpointer, walsender...) calls
setsid() too, so a node's PostgreSQL is the postmaster plus its children, found by
parent pid in /proc (postmaster_family). Their process titles carry cluster_name, which
is the run's name (the temp dir's base name), as do the command lines of everything
else the run starts. cleanup() SIGCONTs (a paused process would not die otherwise) and
SIGKILLs every process group it started and every process on the machine whose command
line names the run. It is called from atexit, from the SIGINT, SIGTERM and SIGHUP
handlers and at the normal end; it is idempotent. Only a SIGKILL of the harness itself
skips it (then `pgrep -f userapi-failover-` finds what is left).
"""

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

RUN_AS_POSTGRES = os.geteuid() == 0  # PostgreSQL refuses to run as root


def log(msg):
    print(f"[failover {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    """A TCP port nothing listens on now (the kernel's pick for port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a true value, which is returned; raises after
    timeout seconds. The harness's only way to wait for something to happen."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # a probe that fails is a "not yet"
            last_error = e
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"{what}: not within {timeout:.0f} s{detail}")
        time.sleep(interval)


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def children_of(pid):
    """The direct children of pid, from /proc."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return kids


def signal_pid(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def signal_postmaster_family(pid, sig):
    """sig to a postmaster and each of its children (backends, walsenders,
    checkpointer... each in a session of its own). For SIGSTOP and SIGKILL the
    postmaster is stopped first, so that it forks no one while its children are listed,
    and killed with them."""
    if sig in (signal.SIGSTOP, signal.SIGKILL):
        signal_pid(pid, signal.SIGSTOP)
    kids = children_of(pid)
    for k in [pid] + kids:
        signal_pid(k, sig)
    return [pid] + kids


def signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


class Run:
    """The temp dir and the processes of one harness run."""

    def __init__(self, keep=False):
        self.dir = tempfile.mkdtemp(prefix="userapi-failover-")
        self.name = os.path.basename(self.dir)  # in every command line and title of the run
        os.chmod(self.dir, 0o755)
        self.keep = keep
        self.children = []  # (name, Popen), each its own process group
        self.cleaned = False
        self.uid = self.gid = None
        if RUN_AS_POSTGRES:
            pw = pwd.getpwnam("postgres")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
            os.chown(self.dir, self.uid, self.gid)
        atexit.register(self.cleanup)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        log(f"signal {signal.Signals(signum).name}: cleaning up")
        self.cleanup()
        sys.exit(128 + signum)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def mkdir(self, *parts):
        """A directory in the run's temp dir, owned by postgres when run as root."""
        p = self.path(*parts)
        os.makedirs(p, exist_ok=True)
        if RUN_AS_POSTGRES:
            os.chown(p, self.uid, self.gid)
        return p

    def spawn(self, name, argv, *, as_postgres=False, env=None, log_name=None):
        """Starts argv in a new process group, output appended to a log in the temp dir."""
        log_path = self.path(f"{log_name or name}.log")
        out = open(log_path, "ab")
        kwargs = {}
        if as_postgres and RUN_AS_POSTGRES:
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[])
        full_env = dict(os.environ)
        if as_postgres and RUN_AS_POSTGRES:
            full_env.update(HOME=self.dir, USER="postgres", LOGNAME="postgres")
        full_env.update(env or {})
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env=full_env, cwd=self.dir, **kwargs)
        out.close()
        self.children.append((name, proc))
        return proc

    def run_as_postgres(self, argv, **kwargs):
        """A short command (initdb, ...) run to completion as postgres."""
        if RUN_AS_POSTGRES:
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[])
        return subprocess.run(argv, cwd=self.dir, check=True, capture_output=True,
                              text=True, **kwargs)

    def _pids_of_run(self):
        """Every process whose command line (or PostgreSQL process title) names the run."""
        pids = set()
        needle = self.name.encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if needle in f.read():
                        pids.add(int(entry))
            except (OSError, ProcessLookupError):
                pass
        return pids

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        own = os.getpgid(0)
        groups = {p.pid for _, p in self.children if p.poll() is None} - {own}
        for g in groups:
            signal_group(g, signal.SIGCONT)
            signal_group(g, signal.SIGKILL)
        # Then every process that names the run, until none is left: postmasters and
        # their children, whatever their groups.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            left = {p for p in self._pids_of_run() if pid_alive(p)}
            if not left:
                break
            for p in left:
                signal_pid(p, signal.SIGCONT)
                signal_pid(p, signal.SIGKILL)
            time.sleep(0.05)
        for _, p in self.children:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.keep:
            log(f"kept {self.dir} (FAILOVER_KEEP=1)")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
