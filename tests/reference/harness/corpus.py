"""The hand-written corpus: one or more requests for every corner the issue names.

Each case is (name, raw request bytes, methods of the answers to read). Most are built
with `build` (a well-formed request); the raw-socket ones write the bytes by hand. No
case sends `skip` or `limit`: GET /users takes those here (pagination) and the
reference has none.
"""

import json

from http_raw import build

OK = {"name": "Alice", "email": "alice@example.com", "age": 28}
JSON = [("Content-Type", "application/json")]


def _user(n, **changes):
    body = {"name": f"User {n}", "email": f"user{n}@corpus.example", "age": 30}
    body.update(changes)
    return body


def post(name, body, headers=JSON, target="/users"):
    if not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False).encode()
    return (name, build("POST", target, headers, body), ["POST"])


def get(name, target, headers=()):
    return (name, build("GET", target, headers), ["GET"])


def raw(name, data, methods=("GET",)):
    return (name, data, list(methods))


def routes():
    cases = []
    for target in [
        "/", "/users", "/users/", "/users/0", "/users/-1", "/users/2147483647",
        "/users/-2147483648", "/users/2147483648", "/users/-2147483649", "/users/99999",
        "/users/abc", "/users/1.0", "/users/1.5", "/users/+0", "/users/-0", "/users/%31",
        "/users/1_0", "/users/_1", "/users/%201%20", "/users/0x1", "/users/1e3",
        "/users/%EF%BC%91", "/users/%FF", "/users/%00", "/users/" + "9" * 4300,
        "/users/" + "9" * 4301, "/users/" + "0" * 4300 + "1", "/users/" + "1_" * 2200 + "1",
        "/users/1%2F2", "/users//", "/users/1/", "/users/1//", "//", "/docs", "/docs/",
        "/redoc", "/redoc/", "/docs/oauth2-redirect", "/openapi.json/", "/nope", "/nope/",
        "/?x=1", "/users/1?x=%zz", "/users%2F", "/users/%2e%2e", "/./users", "/users/./1",
        "/USERS", "/users/1;x", "/users/1#frag", "/users/%E2%82%AC",
    ]:
        cases.append(get(f"GET {target[:60]}", target))
    for method in ["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOO"]:
        for target in ["/", "/users", "/users/", "/users/1", "/docs", "/redoc",
                       "/openapi.json", "/docs/oauth2-redirect", "/nope"]:
            cases.append((f"{method} {target}", build(method, target), [method]))
    return cases


def bodies():
    cases = [post("valid", OK), post("valid again: duplicate email", OK)]
    n = iter(range(1, 10_000))
    cases += [
        post("no content-type", json.dumps(_user(next(n))).encode(), headers=()),
        post("text/plain JSON", _user(next(n)), headers=[("Content-Type", "text/plain")]),
        post("charset json", _user(next(n)),
             headers=[("Content-Type", "application/json; charset=latin-1")]),
        post("+json", _user(next(n)), headers=[("Content-Type", "application/vnd.x+json")]),
        post("APPLICATION/JSON", _user(next(n)), headers=[("Content-Type", "APPLICATION/JSON")]),
        post("empty content-type", _user(next(n)), headers=[("Content-Type", "")]),
        post("form content-type", b"name=a&email=b&age=1",
             headers=[("Content-Type", "application/x-www-form-urlencoded")]),
        post("json/x", _user(next(n)), headers=[("Content-Type", "application/json/x")]),
        post("no body", b""),
        post("null", b"null"),
        post("null no content-type", b"null", headers=()),
        post("array", b"[]"), post("string", b'"x"'), post("number", b"1"),
        post("true", b"true"), post("empty object", b"{}"),
        post("NaN", b"NaN"), post("Infinity", b"Infinity"), post("-Infinity", b"-Infinity"),
    ]
    ages = [
        "28", 28.0, 28.5, True, False, "1_000", "0028", " 28 ", "28.0", "28.", "+28",
        "-0", "1e3", None, [], {}, "", "٣", 2147483647, 2147483648, -2147483648,
        -2147483649, "2147483648", 10**30, "9" * 4300, "9" * 4301, "0" * 4300 + "1",
        "1_" * 2150 + "1", 1e300, 2.0**63, -(2.0**63), 0.5e1,
    ]
    for age in ages:
        cases.append(post(f"age {json.dumps(age)[:40]}", _user(next(n), age=age)))
    for text in [b"-0", b"-0.0", b"1E400", b"-1e400", b"1.5E3", b"1" + b"0" * 5000,
                 b"12345678901234567890.0", b"1e-400", b"1.0000000000000000001",
                 b"9007199254740993", b"28.000", b"2e0", b"NaN", b"Infinity"]:
        body = b'{"name": "N", "email": "' + str(next(n)).encode() + b'@x", "age": ' + text + b"}"
        cases.append(post(f"age literal {text[:30].decode()}", body))
    for name in [5, None, True, [], {}, "a" * 100, "a" * 101, "a" * 100 + "   ",
                 "a" * 99 + " \t", "é" * 101, "a\u0000b", "\U0001F600" * 3, "",
                 " leading", "x" * 98 + "  " + "y"]:
        cases.append(post(f"name {json.dumps(name)[:40]}", _user(next(n), name=name)))
    for email in [5, None, "e" * 255, "e" * 256, "e" * 255 + "  ", "dup-space@x ",
                  "dup-space@x", "ALICE@example.com", "alice@example.com "]:
        cases.append(post(f"email {json.dumps(email)[:40]}",
                          _user(next(n), email=email)))
    cases += [
        post("missing all", {"x": 1}),
        post("extra fields", {**_user(next(n)), "id": 5, "extra": [1]}),
        post("duplicate keys", b'{"name":"a","name":"b","email":"dk@x","age":1}'),
        post("lone surrogate", b'{"name":"\\ud800","email":"ls@x","age":1}'),
        post("escaped NUL", b'{"name":"\\u0000","email":"nul@x","age":1}'),
        post("raw control char", b'{"name":"a\x01b","email":"cc@x","age":1}'),
    ]
    syntax = [
        b"{", b"{\"a\": }", b"[1,", b"  ", b"{}x", b"{} {}", b'{"a":1,}', b"[1,]",
        b"{'a':1}", b'{"a" 1}', b'{"a":01}', b'{"a":-}', b'{"a":1.}', b'{"a":.5}',
        b'{"a":"\\x"}', b'{"a":"\x00"}', b'{"a":tru}', b'{"\xc3\xa9":\n x}',
        b'\n\n  {"a": ]', b"\t", b"\xef\xbb\xbf{}", b"\xef\xbb\xbf", b"\xff\xfe",
        b'"\xff"', b"\xc3", b"nul", b'{"a":1e}', b'{"a":1e+}', b'{"a":[1 2]}',
        b"[" * 100000, b"[" * 5000 + b"]" * 5000, b"[" * 500 + b"]" * 500,
        b'{"a":' * 3000 + b"1" + b"}" * 3000,
    ]
    for text in syntax:
        cases.append(post(f"syntax {text[:24]!r}", text))
    # The nesting boundary (docs/compatibility.md, `nesting-depth`): exactly 128 levels
    # parse, and the reference's model error follows (`model_attributes_type` for the
    # arrays, the missing fields for the objects); 129 is our 400 (the allowed row).
    for depth in (128, 129):
        cases.append(post(f"nested arrays {depth}", b"[" * depth + b"]" * depth))
        cases.append(post(f"nested objects {depth}", b'{"a":' * depth + b"1" + b"}" * depth))
    doc = json.dumps(_user(next(n)))
    for enc in ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
                "utf-8-sig"]:
        cases.append(post(f"encoding {enc}", doc.encode(enc)))
        doc = json.dumps(_user(next(n)))
    cases.append(post("utf-16 syntax error", '{"a": }'.encode("utf-16-le")))
    cases.append(post("latin-1 body", '{"name":"é","email":"l1@x","age":1}'.encode("latin-1")))
    return cases


def cors():
    o = ("Origin", "http://example.com")
    cases = [
        get("simple GET with Origin", "/users/0", [o]),
        get("404 with Origin", "/nope", [o]),
        get("Origin and Cookie", "/", [o, ("Cookie", "a=b")]),
        get("Origin null", "/", [("Origin", "null")]),
        post("POST with Origin", _user(90001), headers=[*JSON, o]),
    ]
    for acrm in ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE",
                 "CONNECT", "FOO", "get", ""]:
        cases.append((f"preflight {acrm or 'empty'}",
                      build("OPTIONS", "/users", [o, ("Access-Control-Request-Method", acrm)]),
                      ["OPTIONS"]))
    for extra in [
        [("Access-Control-Request-Headers", "content-type, X-Token")],
        [("Access-Control-Request-Private-Network", "true")],
        [("Cookie", "a=b")],
        [("Access-Control-Request-Headers", "")],
    ]:
        cases.append((f"preflight with {extra[0][0]}",
                      build("OPTIONS", "/users/1", [o, ("Access-Control-Request-Method", "GET"), *extra]),
                      ["OPTIONS"]))
    cases += [
        ("preflight unknown path", build("OPTIONS", "/nope", [o, ("Access-Control-Request-Method", "GET")]), ["OPTIONS"]),
        ("OPTIONS with Origin only", build("OPTIONS", "/users", [o]), ["OPTIONS"]),
        ("OPTIONS with ACRM only", build("OPTIONS", "/users", [("Access-Control-Request-Method", "GET")]), ["OPTIONS"]),
        ("HEAD with Origin", build("HEAD", "/docs", [o]), ["HEAD"]),
    ]
    return cases


def protocol():
    g = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    return [
        raw("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n"),
        raw("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n"),
        raw("two Host headers", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        raw("empty Host", b"GET / HTTP/1.1\r\nHost:\r\n\r\n"),
        raw("non-ASCII target", b"GET /users/\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"),
        raw("space in target", b"GET /users/1 2 HTTP/1.1\r\nHost: x\r\n\r\n"),
        raw("absolute-form target", b"GET http://x/users/0 HTTP/1.1\r\nHost: x\r\n\r\n"),
        raw("asterisk target", b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", ["OPTIONS"]),
        raw("bare LF", b"GET / HTTP/1.1\nHost: x\n\n"),
        raw("lowercase method", b"get / HTTP/1.1\r\nHost: x\r\n\r\n"),
        raw("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
        raw("HTTP/1.2", b"GET / HTTP/1.2\r\nHost: x\r\n\r\n"),
        raw("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n"),
        raw("space before colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
        raw("pipelined GETs", g + b"GET /users/0 HTTP/1.1\r\nHost: x\r\n\r\n", ["GET", "GET"]),
        raw("chunked POST", b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"nam\r\n0\r\n\r\n", ["POST"]),
        raw("TE gzip", b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", ["POST"]),
        raw("TE gzip, chunked", b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", ["POST"]),
        raw("TE chunked, gzip", b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", ["POST"]),
        raw("TE Chunked", b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n", ["POST"]),
        raw("TE identity", b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", ["POST"]),
        raw("TE and CL", b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ["POST"]),
        raw("TE on HTTP/1.0", b"POST /users HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ["POST"]),
        raw("two equal CL", b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", ["POST"]),
        raw("two different CL", b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", ["POST"]),
        raw("CL with sign", b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}", ["POST"]),
        raw("bad chunk size", b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", ["POST"]),
        raw("header without colon", b"GET / HTTP/1.1\r\nHost: x\r\nBroken\r\n\r\n"),
        raw("NUL in header value", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"),
        raw("non-ASCII header value", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: \xc3\xa9\r\n\r\n"),
    ]


def all_cases():
    return routes() + bodies() + cors() + protocol()
