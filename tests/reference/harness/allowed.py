"""The intended differences: each row of docs/compatibility.md's table, as a check.

`classify` names the row a difference belongs to, or None (the harness then fails).
`check_table` makes the table and these checks agree in both directions, so a row
cannot be documented without being checked, nor checked without being documented.
Each check is narrow: it names the requests and both answers it accepts.
"""

import os
import re

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "compatibility.md")
UVICORN_400 = b"Invalid HTTP request received."
DOCS_PATHS = re.compile(rb"^[A-Z]+ /(docs|redoc|openapi\.json)/*[ ?]")

ROWS = {}


def row(row_id):
    def register(check):
        ROWS[row_id] = check
        return check
    return register


def _aspects(found):
    return {aspect for aspect, _, _ in found}


def _body(raw):
    return raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""


def _request_line(raw):
    return raw.split(b"\n", 1)[0]


@row("server-error-as-4xx")
def _server_error(raw, method, ref, ours, found):
    # The reference crashes (500, plain text) where we answer a clear error: duplicate
    # email 409; over-long text, NUL, out-of-range or non-finite numbers 422; NaN,
    # Infinity and lone surrogates, which only Python's JSON reads, 422.
    return ref.status == 500 and ours.status in (409, 422) and ref.body == b"Internal Server Error"


@row("body-limit")
def _body_limit(raw, method, ref, ours, found):
    return ours.status == 413 and len(_body(raw)) > 64 * 1024


@row("nesting-depth")
def _nesting(raw, method, ref, ours, found):
    body = _body(raw)
    deep = body.count(b"[") + body.count(b"{") > 128
    return deep and ours.status == 400 and ref.status in (201, 422)


@row("docs-pages")
def _docs(raw, method, ref, ours, found):
    return (DOCS_PATHS.match(_request_line(raw)) is not None and ref.status == ours.status == 200
            and _aspects(found) <= {"body"})


@row("protocol-400-body")
def _hyper_400(raw, method, ref, ours, found):
    # Both refuse; hyper writes its own 400 (no body) or our body reader's JSON one.
    return ref.status == ours.status == 400 and ref.body == UVICORN_400


@row("absolute-form")
def _absolute_form(raw, method, ref, ours, found):
    return re.match(rb"^[A-Z]+ [a-zA-Z][a-zA-Z0-9+.-]*://", _request_line(raw)) is not None


@row("fragment-in-target")
def _fragment(raw, method, ref, ours, found):
    return b"#" in _request_line(raw)


@row("http-version")
def _version(raw, method, ref, ours, found):
    line = _request_line(raw).rstrip(b"\r")
    return (not line.endswith((b" HTTP/1.1", b" HTTP/1.0")) and ours.status in (0, 400, 505))


@row("obs-fold")
def _obs_fold(raw, method, ref, ours, found):
    head = raw.split(b"\r\n\r\n", 1)[0]
    return re.search(rb"\r\n[ \t]", head) is not None and ours.status == 400


@row("transfer-encoding-http-1-0")
def _te_http10(raw, method, ref, ours, found):
    head = raw.split(b"\r\n\r\n", 1)[0].lower()
    return b" http/1.0" in _request_line(raw).lower() and b"\ntransfer-encoding:" in head \
        and ours.status == 400



LIST_QUERY = re.compile(rb"^GET /users/?\?([^ ]*&)?(skip|limit)=")


@row("list-query-params")
def _list_query(raw, method, ref, ours, found):
    # GET /users reads skip and limit (issue 11); the seed's get_users has neither, so
    # the reference lists everyone whatever they say.
    return LIST_QUERY.match(_request_line(raw)) is not None and ref.status == 200 \
        and ours.status in (200, 422)

def check_table():
    with open(DOC, encoding="utf-8") as f:
        documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", f.read(), re.M))
    documented.discard("redirect-hop")  # checked in run.py by following the redirect
    missing = set(ROWS) - documented
    unchecked = documented - set(ROWS)
    if missing or unchecked:
        raise SystemExit(f"docs/compatibility.md and allowed.py disagree: not in the table: "
                         f"{sorted(missing)}; no check: {sorted(unchecked)}")


def classify(raw, method, ref, ours, found):
    for row_id, check in ROWS.items():
        if check(raw, method, ref, ours, found):
            return row_id
    return None
