"""The seeded generative fuzzer: Hypothesis builds requests, the harness compares them.

Methods, paths (percent-escapes, slashes, dots, unicode, signs, zeros, long ids),
headers (Content-Type variants, Origin, preflight headers, cookies) and bodies (every
JSON type in every field, big and odd numbers, escapes, nesting, BOMs and UTF-16/32,
trailing garbage, non-JSON) are combined freely. The seed is fixed, so every run sends
the same requests; on a difference Hypothesis shrinks the request to a minimal one and
prints it. Never generated: `skip` and `limit` query parameters (docs/compatibility.md).
"""

import json
import time
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from http_raw import build

METHODS = ["GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "PUT", "DELETE",
           "OPTIONS", "PATCH", "QUERY"]
CONTENT_TYPES = [None, None, "application/json", "application/json", "application/json",
                 "application/json; charset=utf-8", "Application/JSON", "text/plain",
                 "application/vnd.api+json", "application/x-www-form-urlencoded", "",
                 "application/json/x", "application/problem+json; q=1", "multipart/form-data"]
NUMBER_LITERALS = ["0", "-0", "-0.0", "1.0", "1.50", "28", "1e3", "1E400", "-1e400",
                   "2147483647", "2147483648", "-2147483649", "9007199254740993",
                   "1" + "0" * 40, "0.1e1", "12345678901234567890.5", "1e-400"]


class StopFuzz(Exception):
    pass


def ids():
    digits = st.one_of(
        st.integers(-(2**31), 2**31 - 1).map(str),
        st.integers(-(10**40), 10**40).map(str),
        st.sampled_from(["0", "-0", "+0", "00", "1_0", "_1", "1_", "1.0", "1.", "1e3",
                         "0x1", " 1", "1 ", "١", "１", "-", "+", "", "%31", "%2e", "..",
                         ".", "99999", "0" * 50 + "1", "9" * 4301, "1_" * 2200 + "1"]),
        st.text(min_size=1, max_size=6),
    )
    return digits


def segment_text(text):
    return quote(text, safe="") if text not in (".", "..") else text


@st.composite
def paths(draw):
    kind = draw(st.sampled_from(["root", "users", "user", "user", "user", "docs", "other"]))
    if kind == "root":
        path = "/"
    elif kind == "users":
        path = "/users"
    elif kind == "user":
        raw_id = draw(ids())
        path = "/users/" + (segment_text(raw_id) if draw(st.booleans()) else quote(raw_id, safe="+-_.%"))
    elif kind == "docs":
        path = draw(st.sampled_from(["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"]))
    else:
        path = "/" + "/".join(segment_text(s) for s in draw(st.lists(st.text(max_size=5), max_size=3)))
    path += draw(st.sampled_from(["", "", "", "/", "//"]))
    if draw(st.booleans()) and draw(st.booleans()):
        key = draw(st.sampled_from(["x", "q", "user_id", "age", "page"]))
        path += "?" + key + "=" + quote(draw(st.text(max_size=4)), safe="")
    return path


def json_scalars():
    return st.one_of(
        st.none(), st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.text(max_size=3).map(lambda s: s + " " * 110),
        st.sampled_from(["28", " 28 ", "0028", "1_000", "28.0", "28.5", "-0", "", "a\u0000"]),
    )


def json_values():
    return st.recursive(json_scalars(), lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
        max_leaves=6)


@st.composite
def user_bodies(draw):
    fields = {}
    for name, good in (("name", st.text(max_size=20)),
                       ("email", st.emails().map(lambda e: e[:200])),
                       ("age", st.integers(-(2**31), 2**31 - 1))):
        choice = draw(st.integers(0, 9))
        if choice < 6:
            fields[name] = draw(good)
        elif choice < 9:
            fields[name] = draw(json_values())
    if draw(st.booleans()) and draw(st.booleans()):
        fields[draw(st.text(max_size=5))] = draw(json_values())
    keys = list(fields)
    if draw(st.booleans()):
        keys = draw(st.permutations(keys))
    text = json.dumps({k: fields[k] for k in keys}, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0 and "age" in fields:
        literal = draw(st.sampled_from(NUMBER_LITERALS))
        text = text.replace(json.dumps(fields["age"]), literal, 1)
    return text


@st.composite
def bodies(draw):
    kind = draw(st.integers(0, 19))
    if kind < 12:
        text = draw(user_bodies())
    elif kind < 15:
        text = json.dumps(draw(json_values()))
    elif kind < 16:
        depth = draw(st.integers(1, 200))
        text = "[" * depth + "]" * depth
    else:
        text = draw(st.one_of(
            st.text(max_size=20),
            st.sampled_from(["{", "[1,", '{"a":}', "nul", "NaN", "{} x", '{"a":01}', '"\\ud800"',
                             '{"name":"\\u12"}', "\t", '{"a" 1}', "{'a':1}"]),
        ))
    if draw(st.integers(0, 9)) == 0:
        text += draw(st.sampled_from([" x", "}", "\n", ",", "  "]))
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "utf-16", "utf-16-le",
                                                      "utf-16-be", "utf-32", "latin-1"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


@st.composite
def requests(draw):
    method = draw(st.sampled_from(METHODS))
    target = draw(paths())
    headers = []
    body = b""
    if method in ("POST", "PUT", "PATCH") or draw(st.integers(0, 9)) == 0:
        body = draw(bodies())
        ctype = draw(st.sampled_from(CONTENT_TYPES))
        if ctype is not None:
            headers.append(("Content-Type", ctype))
    if draw(st.integers(0, 3)) == 0:
        headers.append(("Origin", draw(st.sampled_from(["http://example.com", "null", "https://a.b:8080"]))))
    if method == "OPTIONS" and draw(st.booleans()):
        headers.append(("Access-Control-Request-Method",
                        draw(st.sampled_from(["GET", "POST", "PUT", "QUERY", "TRACE", "get", "X"]))))
        if draw(st.booleans()):
            headers.append(("Access-Control-Request-Headers", draw(st.sampled_from(["content-type", "X-A, x-b", ""]))))
        if draw(st.integers(0, 4)) == 0:
            headers.append(("Access-Control-Request-Private-Network", "true"))
    if draw(st.integers(0, 9)) == 0:
        headers.append(("Cookie", "session=1"))
    if body and method not in ("POST", "PUT", "PATCH") and draw(st.booleans()):
        body = b""
    return method, target, headers, body


def run(comparer, count, fuzz_seed, seconds, report):
    """Sends `count` generated requests; False if one differed beyond the table."""
    started = time.monotonic()
    failed = []

    @seed(fuzz_seed)
    @settings(max_examples=count, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
              print_blob=False)
    @given(requests())
    def compare_one(request):
        if time.monotonic() - started > seconds and not failed:
            raise StopFuzz
        method, target, headers, body = request
        raw = build(method, target, headers, body)
        unlisted = comparer.compare(raw, [method])
        if unlisted:
            failed.append(raw)
            report(f"fuzz request {request!r}", raw, unlisted)
            raise AssertionError("unlisted difference")

    try:
        compare_one()
    except StopFuzz:
        print(f"differential: fuzz stopped at its time bound ({seconds:.0f} s)")
        return False
    except AssertionError:
        print(f"differential: the minimal request is the last one reported above "
              f"(Hypothesis shrank {len(failed)} failing requests)")
        return False
    return True
