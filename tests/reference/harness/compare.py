"""Comparing two answers the way a client would notice a difference.

Status; the headers clients act on (content-type, allow, location, vary and every
access-control-*); and the body: JSON compared type-exactly (`1`, `1.0` and `-0.0` are
three different answers), anything else byte for byte. Only the wording of the JSON
parser's message (`ctx.error` of a `json_invalid` error: Python's sentences against
serde_json's) is normalised; its position is not.
"""

import json
import math

COMPARED_HEADERS = ("content-type", "allow", "location", "vary")


class _Float:
    """A JSON float, kept apart from ints and compared by exact value and sign."""

    def __init__(self, text):
        self.value = float(text)

    def __eq__(self, other):
        if not isinstance(other, _Float):
            return False
        a, b = self.value, other.value
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)

    def __repr__(self):
        return repr(self.value)


def _exact(value):
    """JSON as nested tuples with every number tagged by its type, so == is exact."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, _Float):
        return value
    if isinstance(value, list):
        return ("list", tuple(_exact(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _exact(v)) for k, v in value.items()))
    raise TypeError(type(value))


def _parse(body):
    return json.loads(
        body,
        parse_float=_Float,
        parse_constant=_Float,
        parse_int=int,
    )


def _normalise(doc):
    """Blanks the parser's message in `json_invalid` errors."""
    if isinstance(doc, dict) and isinstance(doc.get("detail"), list):
        for error in doc["detail"]:
            if isinstance(error, dict) and error.get("type") == "json_invalid":
                if isinstance(error.get("ctx"), dict) and "error" in error["ctx"]:
                    error["ctx"]["error"] = "<parser's message>"
    return doc


def body_value(answer):
    """The body as exact JSON when it is JSON, else the bytes."""
    ctype = (answer.header("content-type") or "").lower()
    if ctype.startswith("application/json"):
        try:
            return _exact(_normalise(_parse(answer.body)))
        except (ValueError, RecursionError):
            pass
    return answer.body


def header_value(answer, name):
    value = answer.header(name)
    if value is None:
        return None
    if name == "allow":
        # Starlette joins a Python set: its order changes with the hash seed of each
        # process, so no client can rely on it.
        return ", ".join(sorted(v.strip() for v in value.split(",")))
    if name in ("vary", "access-control-allow-methods"):
        return ", ".join(v.strip() for v in value.split(","))
    return value


def compared_headers(a, b):
    names = set(COMPARED_HEADERS)
    for answer in (a, b):
        names |= {k for k, _ in answer.headers if k.startswith("access-control-")}
    return sorted(names)


def differences(ref, ours):
    """What differs between the reference's answer and ours: a list of
    (aspect, reference's value, our value)."""
    found = []
    if ref.status != ours.status:
        found.append(("status", ref.status, ours.status))
    if ref.status == 0 or ours.status == 0:
        if ref.note != ours.note and ref.status == ours.status:
            found.append(("connection", ref.note, ours.note))
        return found
    for name in compared_headers(ref, ours):
        a, b = header_value(ref, name), header_value(ours, name)
        if a != b:
            found.append((name, a, b))
    a, b = body_value(ref), body_value(ours)
    if a != b:
        found.append(("body", ref.body[:600], ours.body[:600]))
    return found
