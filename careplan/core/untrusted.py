"""What arrives from outside, made safe before anything stores, records or logs it.

- `read_json`: a request body as JSON (RFC 8259) within the service's limits: at most
  `MAX_DEPTH` levels of nesting, no unstorable text in any key or string
  (careplan.core.text), no number that is not finite. Every JSON body the API takes is read
  here (careplan.core.http.json_body).
- `screen_request`: the path, the query string and a form post hold no unstorable text.
  Run for every route (careplan.access.pipeline: after the access decision for a declared
  route, so a refusal is recorded like any failed attempt; at the start for public ones).
- `client_address`, `CheckedRemoteAddr`: the client address is an IP address or nothing
  (a proxy's X-Forwarded-For is believed only as far as CAREPLAN_PROXY_HOPS says, and even
  then only when it is an address).
- Header values recorded as evidence (User-Agent) are never refused: they are cleaned by
  `careplan.core.text.one_line` where they are recorded.

Every refusal is a 400 in the contract's error shape naming the field, never echoing the
bad value.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from careplan.core import unproxied
from careplan.core.errors import BadRequest
from careplan.core.text import UNSTORABLE_MESSAGE, unstorable

# Deeper than any body the API takes (a section's content nests four levels), far below
# what would exhaust the parser's recursion.
MAX_DEPTH = 32
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

DEPTH_MESSAGE = f"The body nests too deeply (at most {MAX_DEPTH} levels)."
MALFORMED_MESSAGE = "Malformed JSON."
NOT_FINITE_MESSAGE = "Numbers must be finite."


def read_json(raw: bytes) -> Any:
    """The body parsed as JSON; raises BadRequest (400) with `fields` naming each bad
    place (`_body` for the whole body, else the path of keys and list positions, as field
    errors are named): malformed JSON or NaN/Infinity (RFC 8259 section 6), nesting deeper
    than MAX_DEPTH, a key or string holding unstorable text, a number too large to be
    finite."""
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise _body_error(DEPTH_MESSAGE) from None
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _body_error(MALFORMED_MESSAGE) from None
    problems: dict[str, list[str]] = {}
    if not _walk(data, "", 0, problems):
        raise _body_error(DEPTH_MESSAGE)
    if problems:
        raise BadRequest(fields=problems)
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _body_error(message: str) -> BadRequest:
    return BadRequest("The body is not valid JSON.", fields={"_body": [message]})


def _walk(value: Any, path: str, depth: int, problems: dict[str, list[str]]) -> bool:
    """Note each bad string or number under `value`; False when it nests too deeply."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        if unstorable(value):
            problems.setdefault(path or "_body", []).append(UNSTORABLE_MESSAGE)
    elif isinstance(value, float):
        if not math.isfinite(value):
            problems.setdefault(path or "_body", []).append(NOT_FINITE_MESSAGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            if unstorable(key):
                problems.setdefault(f"{path}._keys" if path else "_keys", []).append(
                    UNSTORABLE_MESSAGE
                )
                continue
            if not _walk(item, f"{path}.{key}" if path else key, depth + 1, problems):
                return False
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not _walk(item, f"{path}.{index}" if path else str(index), depth + 1, problems):
                return False
    return True


def screen_request() -> None:
    """Raise BadRequest (400) when the request's path, query string or form post (names,
    values, file names) holds unstorable text (careplan.core.text). The field named is the
    parameter's own name (`_path`, `_query` or `_form` when the name itself is bad)."""
    problems: dict[str, list[str]] = {}
    asked = unproxied.request()
    if unstorable(asked.path):
        problems["_path"] = [UNSTORABLE_MESSAGE]
    _screen_pairs(asked.args.items(multi=True), "_query", problems)
    if asked.mimetype in FORM_TYPES:
        _screen_pairs(asked.form.items(multi=True), "_form", problems)
        files = ((name, f.filename or "") for name, f in asked.files.items(multi=True))
        _screen_pairs(files, "_form", problems)
    if problems:
        raise BadRequest("Some of what was sent cannot be used.", fields=problems)


UNKNOWN_QUERY = "This is not something this address can be asked: leave it out"


def refuse_unknown_query(known: Iterable[str]) -> None:
    """Raise BadRequest (400) naming each query parameter of the request that is not
    among `known` (a misspelt filter, `?sinse=`, would otherwise be ignored and answer
    everything, as if no filter had been asked for). `purpose` (the purpose of access,
    careplan.access.purposes) is known to every address."""
    allowed = {*known, "purpose"}
    unknown = sorted({name for name in unproxied.request().args if name not in allowed})
    if unknown:
        raise BadRequest(
            "Some of what was asked is not understood here: " + ", ".join(unknown) + ".",
            fields={name: [UNKNOWN_QUERY] for name in unknown},
        )


def _screen_pairs(
    pairs: Iterable[tuple[str, str]], anonymous: str, problems: dict[str, list[str]]
) -> None:
    for name, value in pairs:
        if unstorable(name):
            problems[anonymous] = [UNSTORABLE_MESSAGE]
        elif unstorable(value):
            problems[name] = [UNSTORABLE_MESSAGE]


def valid_address(value: str | None) -> str | None:
    """`value` if it is an IPv4 or IPv6 address (at most 64 characters), else None."""
    if not value or len(value) > 64:
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return None
    return value


def client_address() -> str | None:
    """The request's client address, or None when what arrived is not an address."""
    return valid_address(unproxied.request().remote_addr)


class CheckedRemoteAddr:
    """WSGI middleware: a REMOTE_ADDR that is not an IP address (a garbled or hostile
    X-Forwarded-For taken by werkzeug's ProxyFix) is removed, so nothing downstream
    (sign-in throttling by address, the audit record) stores it."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if valid_address(environ.get("REMOTE_ADDR")) is None:
            environ.pop("REMOTE_ADDR", None)
        return self.app(environ, start_response)
