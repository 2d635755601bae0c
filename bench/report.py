"""Turns bench/run.sh's raw results (round, scenario, metric, value per line) into the
tables of docs/benchmarks.md: min and median over the rounds, and each server rate
beside its ratio to the pgbench ceiling measured in the same round."""

import statistics
import sys
from collections import defaultdict

path, runs, duration, connections, wrk_threads, pgbench_jobs, clock_ticks = sys.argv[1:8]
data = defaultdict(dict)  # (scenario, metric) -> {round: value}
for line in open(path):
    round_, scenario, metric, value = line.rstrip("\n").split("\t")
    if value != "":
        data[(scenario, metric)][round_] = float(value)


def values(scenario, metric):
    return data.get((scenario, metric), {})


def rps(scenario):
    requests, micros = values(scenario, "requests"), values(scenario, "duration_us")
    rates = {r: requests[r] / (micros[r] / 1e6) for r in requests if r in micros}
    return rates or values(scenario, "rps")


def ratios(numerator, denominator):
    return {r: numerator[r] / denominator[r] for r in numerator if denominator.get(r)}


def min_median(by_round, fmt="{:,.0f}"):
    if not by_round:
        return "n/a"
    xs = list(by_round.values())
    low, mid = min(xs), statistics.median(xs)
    return fmt.format(low) if len(xs) == 1 else f"{fmt.format(low)} / {fmt.format(mid)}"


def ms(scenario, metric):
    return min_median({r: v / 1000 for r, v in values(scenario, metric).items()}, "{:.2f}")


def total(scenario, metric):
    return f"{sum(values(scenario, metric).values()):.0f}"


print(f"\n{runs} round(s) of {duration} s per scenario; wrk -t{wrk_threads}, "
      f"{connections} connections unless stated; pgbench -M prepared -j{pgbench_jobs}. "
      "Pairs are min / median over the rounds.\n")
print("| scenario | requests/s | p50 ms | p99 ms | errors | non-2xx "
      "| pgbench ceiling (tx/s) | ratio | target |")
print("|---|---|---|---|---|---|---|---|---|")
rows = [
    ("`GET /`", "get_root", None, None),
    ("`GET /users/{id}`", "get_user", "pgbench_select", "≥ 1.0"),
    (f"`POST /users`", "post_user", "pgbench_insert", "≥ 1.0"),
    ("`GET /users` (10,000 rows, 8 conn.)", "get_users", "pgbench_select_all", "≥ 0.8"),
]
for label, scenario, ceiling, target in rows:
    ceiling_cell = ratio_cell = "–"
    if ceiling:
        ceiling_cell = min_median(values(ceiling, "tps"))
        ratio_cell = min_median(ratios(rps(scenario), values(ceiling, "tps")), "{:.2f}×")
    print(f"| {label} | {min_median(rps(scenario))} | {ms(scenario, 'p50_us')} "
          f"| {ms(scenario, 'p99_us')} | {total(scenario, 'errors')} "
          f"| {total(scenario, 'non2xx')} | {ceiling_cell} | {ratio_cell} | {target or '–'} |")

print("\n| pgbench ceiling | clients | tx/s | latency average ms | failed |")
print("|---|---|---|---|---|")
for label, scenario, clients in [
    ("single-row SELECT", "pgbench_select", connections),
    ("single-row INSERT", "pgbench_insert", connections),
    ("full SELECT ... ORDER BY id", "pgbench_select_all", 8),
]:
    print(f"| {label} | {clients} | {min_median(values(scenario, 'tps'))} "
          f"| {min_median(values(scenario, 'latency_ms'), '{:.2f}')} | {total(scenario, 'failed')} |")

peaks = {}
for (scenario, metric), by_round in data.items():
    if metric == "peak_rss_kib" and scenario != "two_servers" and not scenario.startswith("axum_"):
        for r, v in by_round.items():
            peaks[r] = max(peaks.get(r, 0), v)
# VmHWM can miss a peak that glibc handed back with madvise, so the highest of the
# readings taken after each scenario is the figure reported.
print("\nPeak RSS of the server (VmHWM read after each scenario), MiB (min / median):",
      ", ".join(
          f"{s} {min_median({r: v / 1024 for r, v in values(s, 'peak_rss_kib').items()}, '{:.1f}')}"
          for s in ["get_root", "get_user", "get_users", "post_user", "server"]
      ).replace("server", "end of round")
      + f"; highest reading: {max(peaks.values(), default=0) / 1024:.1f} MiB (target ≤ 20).")

def cpu_per_request(scenario, process):
    ticks, requests = values(scenario, f"{process}_cpu_ticks"), values(scenario, "requests")
    micros_per_tick = 1e6 / float(clock_ticks)
    return {r: ticks[r] * micros_per_tick / requests[r] for r in ticks if requests.get(r)}


print("\nCPU time per request, µs (min / median): the server process, and the one "
      "PostgreSQL backend serving it.\n")
print("| scenario | server | its backend |")
print("|---|---|---|")
for label, scenario, _, _ in rows:
    print(f"| {label} | {min_median(cpu_per_request(scenario, 'server'), '{:.1f}')} "
          f"| {min_median(cpu_per_request(scenario, 'backend'), '{:.1f}')} |")

if values("two_get_user", "rps"):
    print("\nScaling out: two wrk processes (-t1, half the connections each) against one "
          "server, then against two servers (one each); combined requests/s.\n")
    print("| scenario | one server | two servers | two / one |")
    print("|---|---|---|---|")
    for label, name in [("`GET /users/{id}`", "get_user"), ("`POST /users`", "post_user")]:
        one, two = values(f"one_{name}", "rps"), values(f"two_{name}", "rps")
        print(f"| {label} | {min_median(one)} | {min_median(two)} "
              f"| {min_median(ratios(two, one), '{:.2f}×')} |")

# The per-round ratios: the look-up goal holds only if it holds in every round.
by_round = ratios(rps("get_user"), values("pgbench_select", "tps"))
if by_round:
    print("\nPer round, `GET /users/{id}` ÷ pgbench SELECT (goal ≥ 1.0 in every round): "
          + ", ".join(f"{by_round[r]:.2f}×" for r in sorted(by_round, key=int)) + ".")

if rps("axum_get_root"):
    print("\nThe axum peer (bench/peers/axum/: axum 0.8 + deadpool-postgres, no access log), "
          "measured in the same rounds as ours, in alternating order.\n")
    print("| scenario | userapi requests/s | axum requests/s | userapi ÷ axum, per round "
          "| CPU µs/request userapi / axum (median) | goal |")
    print("|---|---|---|---|---|---|")
    goals = {"get_root": "≥ 0.95"}
    for label, scenario, _, _ in rows:
        ours, peer = rps(scenario), rps("axum_" + scenario)
        if not peer:
            continue
        per_round = ratios(ours, peer)
        cells = ", ".join(f"{per_round[r]:.2f}×" for r in sorted(per_round, key=int))
        cpu_ours = min_median(cpu_per_request(scenario, "server"), "{:.1f}").split(" / ")[-1]
        cpu_peer = min_median(cpu_per_request("axum_" + scenario, "server"), "{:.1f}").split(" / ")[-1]
        print(f"| {label} | {min_median(ours)} | {min_median(peer)} | {cells} "
              f"| {cpu_ours} / {cpu_peer} | {goals.get(scenario, '–')} |")
