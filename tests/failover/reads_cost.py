"""The two cost goals of the standby-reads harness (reads.py, whose docstring says what
each figure means): CPU per GET /users/{id} on each PostgreSQL node with reads on and
off, and the POST /users rate with reads on / off and with synchronous_commit =
remote_apply / on. Each takes the harness (reads.Reads) and reports through it.
"""

import statistics

from cluster import APP_DB, psql
from procs import log, wait_until
from reads_tools import (ApiServer, delta, ids_script, node_cpu, read_counts, standby_share,
                         wrk_result, wrk_start)

CPU_ROUND_S, POST_ROUND_S, POST_PAIRS = 5, 3, 6
SEQ_SCANS = "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_user_tables WHERE relname = 'users'"


# ------------------------------------------------------------ CPU per GET
def analyze(h):
    """ANALYZE users on the primary, as autovacuum does within a minute (its naptime) of
    the pairs test's 10,000 inserts. Until then the table has no statistics, and a
    statement a session prepared on the nearly empty table keeps a plan that scans the
    whole table (on main already: POST /users and look-ups up to 6x slower, measured
    with pg_stat_user_tables). The cost rounds measure the steady state, not that
    first minute; users_seq_scans shows if it comes back."""
    psql(h.cluster.leader().pg_port, "ANALYZE users", db=APP_DB)


def cpu(h):
    analyze(h)
    script, env = ids_script(h.run, h.existing_ids())
    leader, nodes = h.cluster.leader(), h.cluster.nodes
    gets, cpu, scans = {True: 0, False: 0}, {True: {}, False: {}}, {True: 0, False: 0}
    reads = {}
    for on in (True, False, False, True):
        servers = [h.a, h.b] if on else [h.c, h.d]
        reads0, _ = read_counts(servers)
        scans0 = sum(int(psql(n.pg_port, SEQ_SCANS, db=APP_DB)) for n in nodes)
        cpu0 = {n.name: node_cpu(n) for n in nodes}
        procs = [wrk_start(h.run, s.port, script, CPU_ROUND_S, 8, env=env)
                 for s in servers]
        results = [wrk_result(p, CPU_ROUND_S) for p in procs]
        cpu1 = {n.name: node_cpu(n) for n in nodes}
        scans[on] += sum(int(psql(n.pg_port, SEQ_SCANS, db=APP_DB)) for n in nodes) - scans0
        reads1, _ = read_counts(servers)
        bad = sum(r["errors"] + r["non2xx"] for r in results)
        if bad:
            h.fail(f"cpu: {bad} GETs failed in a reads-{'on' if on else 'off'} round")
        n = sum(r["requests"] for r in results)
        gets[on] += n
        for name in cpu0:
            cpu[on][name] = cpu[on].get(name, 0.0) + cpu1[name] - cpu0[name]
        if on:
            for k, v in delta(reads1, reads0).items():
                reads[k] = reads.get(k, 0.0) + v
        log(f"cpu round reads {'on ' if on else 'off'}: {n:,} GETs, CPU s per node "
            + ", ".join(f"{k} {cpu1[k] - cpu0[k]:.2f}" for k in sorted(cpu0)))
    if h.cluster.leader() is not leader:
        h.fail("cpu: the leader changed during the rounds")
    per = {on: {k: v / max(gets[on], 1) * 1e6 for k, v in cpu[on].items()} for on in cpu}
    ratio = per[True][leader.name] / max(per[False][leader.name], 1e-9)
    share = standby_share(reads)
    standbys = sorted(n.name for n in nodes if n is not leader)
    h.figure(
        f"cpu standby_share={share:.1%} gets_on={gets[True]} gets_off={gets[False]} "
        f"primary({leader.name})_us_per_get on={per[True][leader.name]:.2f} "
        f"off={per[False][leader.name]:.2f} ratio={ratio:.2f} standbys_us_per_get "
        + " ".join(f"{k} on={per[True][k]:.2f} off={per[False][k]:.2f}" for k in standbys)
        + f" get_rate_on/off={gets[True] / max(gets[False], 1):.2f} users_seq_scans "
        f"on={scans[True]} off={scans[False]}")
    if share < 0.90:
        h.fail(f"cpu: standbys served {share:.1%} of GETs with reads on, goal >= 90%")
    if ratio > 0.5:
        h.fail(f"cpu: the primary's CPU per GET on / off = {ratio:.2f}, goal <= 0.5")


# ------------------------------------------------------------ POST /users cost
def post_rate(h, server, tag):
    r = wrk_result(wrk_start(h.run, server.port, "bench/post_user.lua", POST_ROUND_S,
                             16, threads=2, env={"BENCH_TAG": f"{h.tag}-{tag}"}),
                   POST_ROUND_S)
    if r["errors"] or r["non2xx"]:  # informational goal: reported, not failed
        log(f"post_cost: wrk saw errors in round {tag}: {r}")
        h.post_errors = getattr(h, "post_errors", 0) + r["errors"] + r["non2xx"]
    return (r["requests"] - r["errors"] - r["non2xx"]) / (r["duration_us"] / 1e6)


def set_commit(h, value):
    h.cluster.patronictl("edit-config", "--force", "-p", f"synchronous_commit={value}")
    leader = h.cluster.leader()
    wait_until(f"synchronous_commit = {value}",
               lambda: psql(leader.pg_port, "SHOW synchronous_commit") == value, 30, 0.2)


def post_cost(h):
    # Two servers started now, used for nothing else, on an analyzed table of thousands
    # of users: the read connection is all that differs between them (see analyze()).
    analyze(h)
    e = ApiServer(h.run, "userapi-e", h.url, h.read_url)
    f = ApiServer(h.run, "userapi-f", h.url)
    out = []
    for what, sides in (("reads_on/off", [(e, None), (f, None)]),
                        ("remote_apply/on", [(e, "remote_apply"), (e, "on")])):
        ratios, rates, current = [], ([], []), "on"
        for p in range(POST_PAIRS):
            got = {}
            for i in ((0, 1) if p % 2 == 0 else (1, 0)):
                server, commit = sides[i]
                if commit and commit != current:
                    set_commit(h, commit)
                    current = commit
                got[i] = post_rate(h, server, f"{what.split('/')[0]}-{p}{i}")
                rates[i].append(got[i])
            ratios.append(got[0] / got[1])
            log(f"post_cost {what} pair {p + 1}: {got[0]:,.0f} / {got[1]:,.0f} POST/s "
                f"= {ratios[-1]:.2f}")
        if current != "on":
            set_commit(h, "on")
        out.append(f"{what}={statistics.median(ratios):.2f} (pairs "
                   + ",".join(f"{r:.2f}" for r in ratios) + "; POST/s "
                   + ",".join(f"{r:.0f}" for r in rates[0]) + " vs "
                   + ",".join(f"{r:.0f}" for r in rates[1]) + ")")
    h.figure("post_cost " + " ".join(out)
             + f" non_201_or_errors={getattr(h, 'post_errors', 0)}")
