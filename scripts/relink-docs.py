#!/usr/bin/env python3
"""Rewrites stale line links in the README and docs/ after the code has moved.

The docs link code as [`fn match_path`](src/app/router.rs#L131): the link text is the
symbol, and the linked line must contain it (tests/guide_names_real_code.rs checks
this). When code shifts, this script finds each link whose line no longer holds its
symbol, looks the symbol up in the linked file (outside `//` comments), and rewrites
the line number to the occurrence nearest the old one. A symbol that is gone, or a
link it cannot place, is printed and the script exits 1.

Usage: python3 scripts/relink-docs.py           rewrite in place, list what changed
       python3 scripts/relink-docs.py --check   change nothing; exit 1 if any is stale
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[`([^`]+)`\]\(([^)#\s]+)#L(\d+)\)")


def holds(line, symbol):
    """Whether `line`'s code (not a trailing // comment) names `symbol` as a whole word."""
    code = line.split("//", 1)[0]
    return re.search(re.escape(symbol) + r"(?![A-Za-z0-9_])", code) is not None


def main():
    check = "--check" in sys.argv[1:]
    stale = unplaceable = 0
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")

        def fix(match):
            nonlocal stale, unplaceable
            symbol, target, old = match.group(1), match.group(2), int(match.group(3))
            path = (doc.parent / target).resolve()
            if not path.is_file():
                unplaceable += 1
                print(f"{doc.relative_to(ROOT)}: {target} does not exist (`{symbol}`)")
                return match.group(0)
            lines = path.read_text(encoding="utf-8").splitlines()
            if 0 < old <= len(lines) and holds(lines[old - 1], symbol):
                return match.group(0)
            stale += 1
            found = [n for n, line in enumerate(lines, 1) if holds(line, symbol)]
            if not found:
                unplaceable += 1
                print(f"{doc.relative_to(ROOT)}: `{symbol}` is no longer in {target}")
                return match.group(0)
            new = min(found, key=lambda n: abs(n - old))
            print(f"{doc.relative_to(ROOT)}: `{symbol}` {target}#L{old} -> #L{new}")
            return f"[`{symbol}`]({target}#L{new})"

        fixed = LINK.sub(fix, text)
        if fixed != text and not check:
            doc.write_text(fixed, encoding="utf-8")
    if check and stale:
        print(f"{stale} stale line link(s): run python3 scripts/relink-docs.py")
    sys.exit(1 if unplaceable or (check and stale) else 0)


if __name__ == "__main__":
    main()
