"""The zombie leader (issue 28, row Z): Patroni dies on the leader and its PostgreSQL
goes on, a primary that nobody demotes. What the harness asks of and does to that node;
the fault itself (the load, its timings and verdict) is Harness.fault_zombie in run.py.

Outside Compose (where Patroni is PID 1 and its death ends the container) Patroni is
one process among others: the OOM killer or a crash takes it and leaves the postmaster
it started, which it had detached with setsid(). Until the leader key expires (ttl) the
zombie is a healthy primary: its synchronous standby still streams from it, commits
return. Then that standby is promoted, and the zombie, still read-write and still first
in the server's DATABASE_URL, takes every reconnect that `target_session_attrs=read-write`
makes; its commits wait for a synchronous standby (synchronous_standby_names still names
the node that is now the leader) that will never connect again. They are written to
its WAL and become visible once their backends go, but are on no other node: when the
node rejoins, pg_rewind takes them away. So a 201 for one of them would be an
acknowledged user lost (zombie_only_rows checks for that, and load.check counts it).

Cleanup, so that the next fault starts from a healthy cluster: the server's backends on
the zombie are terminated (each commit it waits for ends its wait, locally committed),
its rows are read, PostgreSQL is stopped (fast, so pg_rewind finds it shut down
cleanly), and Patroni is started again: it rewinds the node and it rejoins as a standby
of the new leader (or is rebuilt from it, remove_data_directory_on_rewind_failure).
"""

import re
import signal

from cluster import psql
from procs import log, signal_pid, signal_postmaster_family, wait_until

# The fault's server names its sessions so (in its DATABASE_URL): the harness's other
# server, idle, may have a session on the zombie too, and is not counted.
APP_NAME = "userapi-zombie"
OURS = f"application_name = '{APP_NAME}' AND backend_type = 'client backend'"


def zombie_state(node):
    """One line on what the zombie's PostgreSQL says about itself and about the server's
    backends on it: whether it is still a primary, which synchronous standby it waits
    for, how many standbys stream from it, and what each backend of ours waits on."""
    try:
        return _zombie_state(node)
    except Exception as e:  # evidence, not a verdict: the fault goes on without it
        return f"zombie {node.name}: could not ask it ({e})"


def _zombie_state(node):
    recovery, names, streaming = psql(
        node.pg_port, "SELECT pg_is_in_recovery(), "
        "current_setting('synchronous_standby_names'), "
        "(SELECT count(*) FROM pg_stat_replication)", timeout=5).split("|")
    rows = psql(node.pg_port,
                "SELECT coalesce(wait_event, state, '?'), count(*), "
                "round(max(extract(epoch FROM now() - coalesce(query_start, backend_start)))"
                "::numeric, 1) FROM pg_stat_activity WHERE " + OURS +
                " GROUP BY 1 ORDER BY 2 DESC", timeout=5)
    waits, total = [], 0
    for line in rows.splitlines():
        what, count, oldest = line.split("|")
        total += int(count)
        waits.append(f"{what} x{count} (oldest {oldest} s)")
    role = "a standby" if recovery == "t" else "still a primary"
    return (f"zombie {node.name} {role}, synchronous_standby_names '{names}', "
            f"{streaming} standby(s) streaming from it; {total} backend(s) of the server "
            f"on it: {', '.join(waits) or 'none'}")


def reconnects(server, offset, nodes):
    """Where the server's sessions went from the log's offset on: 'pg2 x8' from its
    "connected to 127.0.0.1:PORT" lines, the nodes named by their ports."""
    names = {str(n.pg_port): n.name for n in nodes}
    with open(server.log_path, errors="replace") as f:
        f.seek(offset)
        ports = re.findall(r"connected to 127\.0\.0\.1:(\d+)", f.read())
    counts = {}
    for p in ports:
        counts[names.get(p, p)] = counts.get(names.get(p, p), 0) + 1
    return ", ".join(f"{n} x{c}" for n, c in sorted(counts.items())) or "none"


def release_waiters(node, timeout=15):
    """Terminates the server's backends on the zombie (the server is stopped first, so
    none comes back) and waits until they are gone. A backend that waited for a
    synchronous standby had committed locally: once it is gone, its row is visible on
    the zombie, where zombie_only_rows finds it."""
    psql(node.pg_port, f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
         f"WHERE {OURS}", timeout=5)
    wait_until(f"the server's backends on {node.name} gone",
               lambda: psql(node.pg_port, f"SELECT count(*) FROM pg_stat_activity WHERE {OURS}",
                            timeout=5) == "0", timeout, interval=0.1)


def stop_postgres(node, timeout=30):
    """Stops the zombie's PostgreSQL with a fast shutdown (a clean one, which pg_rewind
    needs); SIGKILL to it and its children if that does not end it in time (Patroni then
    runs crash recovery before pg_rewind)."""
    pm = node.postmaster()
    if pm is None:
        return
    signal_pid(pm, signal.SIGINT)
    try:
        wait_until(f"{node.name}'s zombie PostgreSQL stopped",
                   lambda: node.postmaster() is None, timeout, interval=0.1)
    except TimeoutError:
        log(f"{node.name}: fast shutdown took over {timeout} s; SIGKILL")
        signal_postmaster_family(pm, signal.SIGKILL)
        wait_until(f"{node.name}'s zombie PostgreSQL killed",
                   lambda: node.postmaster() is None, 10, interval=0.1)


def zombie_only_rows(result, writers, zombie_rows, rows):
    """Rows the zombie committed that the surviving cluster does not have (written after
    the promotion, waiting for a standby that was gone): a note with how the server
    answered each, and a failure for each it acknowledged (load.check counts those as
    lost too, once the node is rewound; this says where they went)."""
    sent = {r.email: r for r in writers.records}
    only = [e for e in zombie_rows if e not in rows]
    answers = {}
    for e in only:
        key = str(sent[e].status) if e in sent else "never sent"
        answers[key] = answers.get(key, 0) + 1
    said = ", ".join(f"{k} x{v}" for k, v in sorted(answers.items())) or "-"
    result.notes.append(f"{len(only)} row(s) committed on the zombie only, rewound away "
                        f"when it rejoined; the server had answered them: {said}")
    acked = sorted(e for e in only if e in sent and sent[e].outcome == "ok")
    if acked:
        result.failures.append(
            f"{len(acked)} user(s) acknowledged from the zombie after the promotion, on no "
            f"surviving node, e.g. {acked[:3]}")
