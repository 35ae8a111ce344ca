"""Cells of every CSV file the service writes, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with a formula trigger, and anything in an audit
record may have been typed by someone hostile: a name, an agency's name, a user agent, a
token's label, a reason. So every cell is written as text (OWASP, "CSV Injection"):

- control characters (C0, DEL and C1, tab, carriage return and line feed among them) and
  the invisible characters that reorder or hide text (bidirectional controls, zero-width
  characters, line and paragraph separators) become a space, so a cell is one line of
  what a person can read;
- a cell whose first character a person can read, after any spaces, invisible characters
  and quotes in front of it, is a formula trigger (`=`, `+`, `-`, `@`, their full-width
  and small forms such as U+FF1D, U+FF0B, U+FF0D, U+FF20, and any other dash or minus
  sign) gets a leading `'`, which spreadsheets take to mean "this is text"; so does a cell
  that started with a tab or carriage return (OWASP's list) before they were replaced;
- lists are written as their items joined by "; ", and mappings as JSON, never as
  Python's own text for them;
- every cell is quoted (`csv.QUOTE_ALL`), and quotes inside a cell are doubled.

Sources: OWASP, "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection);
Unicode categories Cc, Cf, Zl, Zp and Pd (Unicode Standard, chapter 4).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Mapping
from typing import IO, Any

TRIGGERS = frozenset("=+-@\t\r")
# Characters in front of a formula that some spreadsheets skip before they look for one.
_SKIPPED_IN_FRONT = frozenset(" '\"\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\uff02\uff07`")
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _readable(char: str) -> str:
    """A space for a control or invisible character, else the character."""
    return " " if unicodedata.category(char) in _INVISIBLE else char


def _is_trigger(char: str) -> bool:
    if char in TRIGGERS:
        return True
    folded = unicodedata.normalize("NFKC", char)
    if folded and folded[0] in TRIGGERS:
        return True  # full-width (U+FF1D, U+FF0B, U+FF0D, U+FF20) and small forms
    return unicodedata.category(char) == "Pd" or char == "\u2212"  # any dash, minus sign


def _starts_like_a_formula(text: str) -> bool:
    for char in text:
        if char.isspace() or char in _SKIPPED_IN_FRONT:
            continue
        return _is_trigger(char)
    return False


def text_of(value: Any) -> str:
    """The value as one line of text: lists joined by "; ", mappings as JSON, None empty."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "; ".join(text_of(item) for item in items)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cell(value: Any) -> str:
    """`value` as a CSV cell a spreadsheet shows as text and never runs (see above)."""
    raw = text_of(value)
    started_with_control = raw[:1] in ("\t", "\r")
    text = "".join(_readable(char) for char in raw)
    if started_with_control or _starts_like_a_formula(text):
        return "'" + text
    return text


def writer(stream: IO[str]) -> Any:
    """A csv writer that quotes every cell; give it rows made with `row`."""
    return csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")


def row(values: list[Any]) -> list[str]:
    """Every value of a row as a safe cell."""
    return [cell(v) for v in values]
