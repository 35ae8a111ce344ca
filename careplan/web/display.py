"""Section content as readable lines, for plan pages and for differences between versions."""

from __future__ import annotations

import weakref
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
    inputs (the plan page shows every section this way on every view). The schema's walk
    (its fields' questions, kinds and row headings) is worked out once per schema
    (`_steps`); only the content is read each time."""
    out: list[Line] = []
    _lines(_steps(schema), content, None, out)
    return out


# How a step reads its value: a leaf answer, a group (Nested), rows (a List of Nested), or
# a list of texts.
_LEAF, _GROUP, _ROWS, _TEXTS = range(4)


@dataclass(frozen=True, slots=True)
class _Step:
    """One field of a schema as `lines` walks it: the same for every plan."""

    key: str  # the content's name for it (data_key or the field's name)
    how: int  # _LEAF, _GROUP, _ROWS or _TEXTS
    label: str  # a leaf's or a group's question; the rows' heading ("Goal")
    later: str  # `label` as a later part of a path reads it (path_words)
    kind: str = ""  # a leaf's input kind (section_forms._spec)
    inner: tuple[_Step, ...] = ()  # a group's or rows' own steps


_STEPS: weakref.WeakKeyDictionary[Schema, tuple[_Step, ...]] = weakref.WeakKeyDictionary()


def _steps(schema: Schema) -> tuple[_Step, ...]:
    """The walk of `section_forms.build` (`_node`) over `schema`, once per schema (they
    are made at start-up; held weakly, so a schema made for one call is not kept)."""
    found = _STEPS.get(schema)
    if found is None:
        found = _STEPS[schema] = tuple(_step_list(schema))
    return found


def _step_list(schema: Schema) -> list[_Step]:
    steps = []
    for name, f in schema.fields.items():
        if f.dump_only:
            continue
        key = f.data_key or name
        if isinstance(f, fields.Nested):
            label = question(f, key)[0]
            steps.append(_Step(key, _GROUP, label, _later(label), inner=_steps(f.schema)))
        elif isinstance(f, fields.List):
            label = question(f, key)[0]
            noun = ROW_NOUNS.get(key) or _singular(label).lower()
            heading = f"{noun[:1].upper()}{noun[1:]}"
            if isinstance(f.inner, fields.Nested):
                steps.append(_Step(key, _ROWS, heading, "", inner=_steps(f.inner.schema)))
            else:
                steps.append(_Step(key, _TEXTS, heading, ""))
        elif key not in HIDDEN_FIELDS:  # a row's id for other systems: nothing to read
            spec = _spec(f, key)
            steps.append(_Step(key, _LEAF, spec.label, _later(spec.label), spec.kind))
    return steps


def _lines(steps: tuple[_Step, ...], content: Any, trail: str | None, out: list[Line]) -> None:
    # `trail`: path_words of the groups and rows the content sits in; None at the top.
    content = content or {}
    group = "" if trail is None else trail
    for step in steps:
        value = content.get(step.key)
        how = step.how
        if how == _LEAF:
            kind = step.kind
            if kind == "yesno":
                value = "" if value is None else str(value).lower()
            elif kind == "datetime":
                value = (value or "")[:16]
            text = _shown(kind, value)
            if text:
                label = step.label
                where = label if trail is None else f"{trail}, {step.later}"
                out.append(Line(where, text, group, label))
        elif how == _GROUP:
            inner = step.label if trail is None else f"{trail}, {step.later}"
            _lines(step.inner, value, inner, out)
        else:
            items = value if isinstance(value, list) else []
            for i, item in enumerate(items):
                row = f"{step.label} {i + 1}"
                where = row if trail is None else f"{trail}, {_later(row)}"
                if how == _ROWS:
                    _lines(step.inner, item if isinstance(item, dict) else {}, where, out)
                else:
                    text = _shown("text", item)
                    if text:
                        out.append(Line(where, text, group, row))


def _later(part: str) -> str:
    """`part` as path_words writes it after the first part."""
    return part if part[1:2].isupper() else part[:1].lower() + part[1:]


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
