"""The two servers under comparison, each on a fresh database of its own.

One throwaway PostgreSQL cluster (initdb + pg_ctl, as the `postgres` user when run as
root, like scripts/local-postgres.sh) holds two databases: `refdb` for the reference
(uvicorn + the app in tests/reference/app) and `ourdb` for this server. Both get the
seed's table from init.sql and the same rows "written outside the API" (ids zero,
negative and INTEGER's extremes), so ids line up and `GET /users` lists the same rows.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg2

from http_raw import build, exchange

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
REFERENCE_DIR = os.path.join(ROOT, "tests", "reference")

# Rows no API call could create, present in both databases from the start.
OUTSIDE_ROWS = [
    (0, "zero", "zero@outside.example", 0),
    (-1, "minus one", "minus-one@outside.example", -1),
    (-2147483648, "int min", "int-min@outside.example", -2147483648),
    (2147483647, "int max", "int-max@outside.example", 2147483647),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin():
    found = shutil.which("initdb")
    candidates = [os.path.dirname(found)] if found else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in candidates:
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    raise SystemExit("differential: no PostgreSQL server binaries (initdb, pg_ctl)")


class Cluster:
    def __init__(self):
        self.bin = _pg_bin()
        self.dir = tempfile.mkdtemp(prefix="userapi-diff-pg.")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        self._pg("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust")
        self._pg(
            "pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w",
            "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        conn = self.connect("postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE refdb")
            cur.execute("CREATE DATABASE ourdb")
        conn.close()
        with open(os.path.join(ROOT, "init.sql")) as f:
            ddl = f.read()
        for db in ("refdb", "ourdb"):
            conn = self.connect(db)
            with conn, conn.cursor() as cur:
                cur.execute(ddl)
                for row in OUTSIDE_ROWS:
                    cur.execute("INSERT INTO users (id, name, email, age) VALUES (%s,%s,%s,%s)", row)
            conn.close()

    def _pg(self, tool, *args):
        cmd = [os.path.join(self.bin, tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    def connect(self, db):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, dbname=db, user="postgres")
        return conn

    def sync_sequences(self):
        """After an answer that consumed an id on one side only (the reference's 500s),
        both sequences move to the larger next value, so ids keep lining up."""
        nexts = {}
        for db in ("refdb", "ourdb"):
            conn = self.connect(db)
            with conn, conn.cursor() as cur:
                cur.execute("SELECT last_value, is_called FROM users_id_seq")
                last, called = cur.fetchone()
                nexts[db] = last + 1 if called else last
            conn.close()
        target = max(nexts.values())
        for db in ("refdb", "ourdb"):
            conn = self.connect(db)
            with conn, conn.cursor() as cur:
                cur.execute("SELECT setval('users_id_seq', %s, false)", (target,))
            conn.close()

    def stop(self):
        try:
            self._pg("pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """A server process on a free port; `stop()` ends it (and only it)."""

    def __init__(self, name, cmd, env, cwd, log_dir):
        self.name, self.port = name, free_port()
        env = {**os.environ, **env, "PORT": str(self.port)}
        cmd = [c.replace("{port}", str(self.port)) for c in cmd]
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"differential: {name} exited; see {self.log_path}")
            try:
                if exchange(self.port, build("GET", "/"), timeout=2)[0].status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"differential: {name} did not answer GET / within 60 s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def start_both(cluster, venv, server_bin, log_dir):
    db_env = {"DB_HOST": "127.0.0.1", "DB_PORT": str(cluster.port), "DB_USER": "postgres",
              "DB_PASSWORD": "unused-trust-auth"}
    ref = Server(
        "reference",
        [os.path.join(venv, "bin", "uvicorn"), "app.main:app", "--host", "127.0.0.1",
         "--port", "{port}"],
        {**db_env, "DB_NAME": "refdb"}, REFERENCE_DIR, log_dir,
    )
    try:
        ours = Server("ours", [server_bin], {**db_env, "DB_NAME": "ourdb"}, ROOT, log_dir)
    except BaseException:
        ref.stop()
        raise
    return ref, ours
