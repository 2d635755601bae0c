#!/usr/bin/env python3
"""Replays the README's example session and fails where an answer differs.

The README's ```console blocks are one session, in page order, against the stack that
`docker compose up --build -d --wait` starts on an empty volume: a reader who follows
the page top to bottom sees exactly these answers. This script proves it. Each `$ `
line (with its `\\` continuation lines) is run with bash; the lines after it, up to the
next `$ `, are what its stdout must be. Before comparing, `\\r\\n` becomes `\\n`, the
`date:` header is dropped (the README leaves it out, it changes every second), and
trailing blank lines are ignored. stderr is not compared (Compose prints its progress
there); it is shown when a command fails.

Usage: python3 scripts/readme-session.py [README.md]
Run by scripts/e2e-compose.sh right after its first `up`, with COMPOSE_PROJECT_NAME
set, so the `docker compose` commands of the session act on the e2e stack. With
SESSION_PORT set, `localhost:8000` in the commands becomes `localhost:$SESSION_PORT`
(scripts/guide-session.sh: a server on a free port, never whatever else holds 8000).
"""

import os
import re
import subprocess
import sys

TIMEOUT_S = 60


def sessions(text):
    """The commands of every ```console block: (line number, command, expected output)."""
    steps = []
    in_block = False
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_block = line.strip() == "```console" if not in_block else False
            i += 1
            continue
        if in_block and line.startswith("$ "):
            start = i + 1
            command = line[2:]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            expected = []
            while i + 1 < len(lines) and not lines[i + 1].startswith(("$ ", "```")):
                i += 1
                expected.append(lines[i])
            steps.append((start, command, expected))
        i += 1
    return steps


def normalised(lines):
    lines = [l.rstrip("\r") for l in lines]
    lines = [l for l in lines if not re.match(r"(?i)^date:", l)]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    with open(path, encoding="utf-8") as f:
        steps = sessions(f.read())
    if not steps:
        sys.exit(f"{path}: no ```console session found")
    failures = 0
    port = os.environ.get("SESSION_PORT")
    for line_no, command, expected in steps:
        if port:
            command = command.replace("localhost:8000", f"localhost:{port}")
        try:
            run = subprocess.run(
                ["bash", "-c", command],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
            actual, stderr = run.stdout.split("\n"), run.stderr
        except subprocess.TimeoutExpired:
            actual, stderr = [f"(no end within {TIMEOUT_S} s)"], ""
        want, got = normalised(expected), normalised(actual)
        if want == got:
            print(f"ok   {path}:{line_no}  $ {command[:90]}")
            continue
        failures += 1
        print(f"FAIL {path}:{line_no}  $ {command}")
        print("  the README shows:")
        print("\n".join(f"    {l}" for l in want) or "    (nothing)")
        print("  the server answered:")
        print("\n".join(f"    {l}" for l in got) or "    (nothing)")
        if stderr.strip():
            print("  stderr:")
            print("\n".join(f"    {l}" for l in stderr.strip().splitlines()))
    print(f"\n{len(steps) - failures} of {len(steps)} commands of {path} answered as shown")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
