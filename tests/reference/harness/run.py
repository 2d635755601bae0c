"""The differential harness: the reference FastAPI app and this server, side by side.

    python run.py --server-bin target/release/userapi --venv DIR [--fuzz N] [--seed S]

Starts one throwaway PostgreSQL cluster with a database for each server, starts both
servers, then sends each request of the hand-written corpus (corpus.py) and of the
seeded generative fuzzer (fuzz.py) to both and compares the answers (compare.py).
A difference passes only when docs/compatibility.md lists it (allowed.py holds the
check for each row); any other fails the run with the request's bytes printed.
"""

import argparse
import os
import sys
import tempfile
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(__file__))

import allowed  # noqa: E402
from compare import differences  # noqa: E402
from corpus import all_cases  # noqa: E402
from http_raw import build, exchange  # noqa: E402
from servers import Cluster, start_both  # noqa: E402


class Comparer:
    def __init__(self, cluster, ref, ours):
        self.cluster, self.ref, self.ours = cluster, ref, ours
        self.count = 0
        self.listed = {}  # id -> count

    def compare(self, raw, methods):
        """Sends `raw` to both; returns the unlisted differences (empty when all is
        well), as a list of (answer index, diffs, ref answer, our answer)."""
        self.count += 1
        ref_answers = exchange(self.ref.port, raw, methods)
        our_answers = exchange(self.ours.port, raw, methods)
        unlisted = []
        resync = False
        for i, (ref, ours) in enumerate(zip(ref_answers, our_answers)):
            found = differences(ref, ours)
            if not found:
                continue
            if ref.status != ours.status and methods[i] == "POST":
                resync = True  # an id may have been used on one side only
            if ref.status == 307 and ours.status != 307:
                # The reference's redirect hops: follow them and compare where they lead.
                followed = self._follow(raw, ref)
                for _ in range(3):
                    if followed is None or followed.status != 307:
                        break
                    followed = self._follow(raw, followed)
                if followed is not None and not differences(followed, ours):
                    self._count("redirect-hop")
                    continue
                if followed is not None:
                    ref = followed
                    found = differences(followed, ours)
            row = allowed.classify(raw, methods[i], ref, ours, found)
            if row:
                self._count(row)
            else:
                unlisted.append((i, found, ref, ours))
        if resync:
            self.cluster.sync_sequences()
        return unlisted

    def _follow(self, raw, ref):
        location = ref.header("location")
        if not location or len(raw.split(b" ", 2)) < 3:
            return None
        parts = urlsplit(location)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        method, old_target, rest = raw.split(b" ", 2)
        return exchange(self.ref.port, method + b" " + target.encode("latin-1") + b" " + rest,
                        [method.decode("latin-1")])[0]

    def _count(self, row):
        self.listed[row] = self.listed.get(row, 0) + 1


def report(name, raw, unlisted):
    print(f"\nDIFFERENCE in {name}")
    print(f"  request bytes: {raw[:800]!r}{' ...' if len(raw) > 800 else ''}")
    for i, found, ref, ours in unlisted:
        for aspect, a, b in found:
            print(f"  answer {i}: {aspect}:\n    reference: {a!r}\n    ours:      {b!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--fuzz", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--fuzz-seconds", type=float, default=150)
    parser.add_argument("--only", default="", help="run only corpus cases whose name contains this")
    args = parser.parse_args()
    allowed.check_table()

    started = time.monotonic()
    log_dir = tempfile.mkdtemp(prefix="userapi-diff-logs.")
    cluster = Cluster()
    servers = ()
    failures = 0
    try:
        servers = start_both(cluster, os.path.abspath(args.venv), os.path.abspath(args.server_bin), log_dir)
        comparer = Comparer(cluster, *servers)
        cases = [c for c in all_cases() if args.only in c[0]]
        for name, raw, methods in cases:
            unlisted = comparer.compare(raw, methods)
            if unlisted:
                failures += 1
                report(name, raw, unlisted)
        corpus_count = comparer.count
        corpus_time = time.monotonic() - started
        print(f"\ndifferential: corpus: {corpus_count} requests, {failures} with unlisted "
              f"differences ({corpus_time:.1f} s)")
        fuzz_count = 0
        if args.fuzz and not args.only:
            import fuzz
            fuzz_started = time.monotonic()
            ok = fuzz.run(comparer, args.fuzz, args.seed, args.fuzz_seconds, report)
            fuzz_count = comparer.count - corpus_count
            print(f"differential: fuzz: {fuzz_count} requests, seed {args.seed}, "
                  f"{time.monotonic() - fuzz_started:.1f} s, "
                  f"{'no unlisted difference' if ok else 'FAILED'}")
            failures += 0 if ok else 1
        print("differential: listed differences met (docs/compatibility.md):")
        for row, n in sorted(comparer.listed.items()):
            print(f"  {row}: {n}")
        print(f"differential: {comparer.count} requests compared in "
              f"{time.monotonic() - started:.1f} s; logs in {log_dir}")
    finally:
        for server in servers:
            server.stop()
        cluster.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
