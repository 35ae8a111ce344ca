"""Section content as readable lines, for plan pages and for differences between versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import Schema

from careplan.web.section_forms import Node, build
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
    if node.kind in ("date", "datetime") and node.value:
        return _when(str(node.value))
    if node.kind in ("select", "yesno"):
        if node.kind == "yesno":
            return {"true": "Yes", "false": "No"}.get(str(node.value).lower(), "")
        return value_label(node.value) if node.value not in (None, "") else ""
    return "" if node.value is None else str(node.value)


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
    out: list[Line] = []
    for node in build(schema, content):
        _walk(node, [], out)
    return out


def _walk(node: Node, trail: list[str], out: list[Line]) -> None:
    if node.kind in ("group", "rows", "texts"):
        label = [node.label] if node.kind == "group" else []
        for child in node.children:
            _walk(child, trail + label, out)
        return
    if node.kind == "hidden":
        return  # a row's id for other systems: nothing a person reads
    text = shown(node)
    if text:
        out.append(Line(path_words([*trail, node.label]), text, path_words(trail), node.label))


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
