"""Section content as readable lines, for plan pages and for differences between versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields

from careplan.core.labels import ROW_NOUNS
from careplan.web.section_forms import HIDDEN_FIELDS, Node, _singular, _spec, question
from careplan.web.words import value_label


@dataclass(frozen=True)
class Line:
    label: str  # "Goal 1, action 2, status": the whole path, for differences
    value: str
    group: str = ""  # "Goal 1, action 2": shown as a heading over its lines
    name: str = ""  # "Status"


def grouped(found: list[Line]) -> list[tuple[str, list[Line]]]:
    """Consecutive lines under their group's heading, in the order of the form."""
    out: list[tuple[str, list[Line]]] = []
    for line in found:
        if out and out[-1][0] == line.group:
            out[-1][1].append(line)
        else:
            out.append((line.group, [line]))
    return out


def shown(node: Node) -> str:
    """What a filled-in input says, in words."""
    return _shown(node.kind, node.value)


def _shown(kind: str, value: Any) -> str:
    if kind in ("date", "datetime") and value:
        return _when(str(value))
    if kind in ("select", "yesno"):
        if kind == "yesno":
            return {"true": "Yes", "false": "No"}.get(str(value).lower(), "")
        return value_label(value) if value not in (None, "") else ""
    return "" if value is None else str(value)


def _when(value: str) -> str:
    """12 April 2026 (at 14:05): dates as people write them."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    day = f"{moment.day} {moment:%B %Y}"
    return f"{day} at {moment:%H:%M}" if "T" in value else day


def has_content(node: Node) -> bool:
    if node.kind in ("group", "rows", "texts"):
        return any(has_content(c) for c in node.children)
    return shown(node) != ""


def lines(schema: Schema, content: dict[str, Any] | None) -> list[Line]:
    """The filled-in answers of `content` as lines, in the form's order, each with where
    it sits ("Goal 1, action 2, status"): what the form (`section_forms.build`) would show
    filled in, read straight from the schema and the content without making the form's
    inputs (the plan page shows every section this way on every view)."""
    out: list[Line] = []
    _lines(schema, content, [], out)
    return out


def _lines(schema: Schema, content: Any, trail: list[str], out: list[Line]) -> None:
    # The walk of `section_forms.build` (`_node`) and of `_walk` over what it builds, in one.
    content = content or {}
    for name, f in schema.fields.items():
        if f.dump_only:
            continue
        key = f.data_key or name
        value = content.get(key)
        if isinstance(f, fields.Nested):
            _lines(f.schema, value, [*trail, question(f, key)[0]], out)
        elif isinstance(f, fields.List):
            label = question(f, key)[0]
            noun = ROW_NOUNS.get(key) or _singular(label).lower()
            heading = f"{noun[:1].upper()}{noun[1:]}"
            items = value if isinstance(value, list) else []
            if isinstance(f.inner, fields.Nested):
                for i, item in enumerate(items):
                    row = item if isinstance(item, dict) else {}
                    _lines(f.inner.schema, row, [*trail, f"{heading} {i + 1}"], out)
            else:
                for i, item in enumerate(items):
                    _line("text", f"{heading} {i + 1}", item, trail, out)
        elif key not in HIDDEN_FIELDS:  # a row's id for other systems: nothing to read
            spec = _spec(f, key)
            if spec.kind == "yesno":
                value = "" if value is None else str(value).lower()
            elif spec.kind == "datetime":
                value = (value or "")[:16]
            _line(spec.kind, spec.label, value, trail, out)


def _line(kind: str, label: str, value: Any, trail: list[str], out: list[Line]) -> None:
    text = _shown(kind, value)
    if text:
        out.append(Line(path_words([*trail, label]), text, path_words(trail), label))


def path_words(parts: list[str]) -> str:
    """ "Goal 1, action 2, status": where a line sits, read aloud as words (issue 17: no
    ">" in labels). Later parts start lower case unless they start with an acronym."""
    out = []
    for i, part in enumerate(parts):
        keep = i == 0 or part[1:2].isupper()
        out.append(part if keep else part[:1].lower() + part[1:])
    return ", ".join(out)


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None
    after: str | None


def differences(
    schema: Schema, older: dict[str, Any] | None, newer: dict[str, Any]
) -> list[Change]:
    """What changed between two versions, line by line: added, removed or changed."""
    before = {line.label: line.value for line in lines(schema, older)}
    after = {line.label: line.value for line in lines(schema, newer)}
    changes = []
    for label in list(after) + [k for k in before if k not in after]:
        old, new = before.get(label), after.get(label)
        if old != new:
            changes.append(Change(label, old, new))
    return changes
