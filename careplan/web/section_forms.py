"""Section forms built from the section's own marshmallow schema.

The schema the API validates with also lays out the form, so every section is editable and
validated the same way. Repeating rows (goals, actions, offers...) are added and removed by
submit buttons handled on the server: it works without JavaScript and keeps what was typed.
Form fields are named `c.<path>` (`c.goals.0.actions.1.status`), matching the paths of
marshmallow's error messages.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate

from careplan.core.days import PARTS, from_parts, from_parts_and_time
from careplan.core.labels import ROW_NOUNS, with_article
from careplan.web.words import field_label, value_label

# Fields that name a row for other systems (a goal's id): kept, never typed (issue 17: no
# internal "Id" box on goals).
HIDDEN_FIELDS = frozenset({"id"})

PREFIX = "c."
LONG_TEXT = 1000  # a Length(max=...) above this is a paragraph, not a line


@dataclass
class Node:
    """One thing on the form: an input, a group of inputs, or a list of rows."""

    kind: str  # text, textarea, select, yesno, date, datetime, number, email, hidden,
    # group, rows, texts
    path: str
    label: str
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    required: bool = False
    row_label: str = ""
    row_noun: str = ""  # one row, as its buttons say it: "offer" ("Add an offer")
    hint: str = ""  # hint text under the question (the field's metadata), "" for none

    @property
    def add_label(self) -> str:
        """ "Add an offer", "Add another offer" (issue 17: not "Add a offers of housing")."""
        if self.children:
            return f"Add another {self.row_noun}"
        return f"Add {with_article(self.row_noun)}"

    @property
    def name(self) -> str:
        return PREFIX + self.path

    @property
    def id(self) -> str:
        return "f-" + re.sub(r"[^a-zA-Z0-9_-]", "-", self.path)


def _key(name: str, f: fields.Field) -> str:
    return f.data_key or name


def _one_of(f: fields.Field) -> list[str] | None:
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return [str(c) for c in v.choices]
    return None


def _max_length(f: fields.Field) -> int | None:
    for v in f.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            return v.max
    return None


def build(schema: Schema, content: dict[str, Any] | None, path: str = "") -> list[Node]:
    """The form for `content` (as stored or as typed), field by field in schema order."""
    content = content or {}
    return [
        _node(f, _join(path, _key(name, f)), content.get(_key(name, f)), _key(name, f))
        for name, f in schema.fields.items()
        if not f.dump_only
    ]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@dataclass(frozen=True)
class _Spec:
    """What a field's input is, from the schema alone: the same for every plan."""

    kind: str
    label: str
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False
    hint: str = ""


@functools.cache
def _spec(f: fields.Field, key: str) -> _Spec:
    # Schemas are made once at start-up; their fields are hashed by identity. Every page
    # that shows a plan reads each field's spec many times: work it out once.
    label, hint = question(f, key)
    choices = _one_of(f)
    if choices is not None:
        options = (("", "Not recorded"), *((c, value_label(c)) for c in choices))
        return _Spec("select", label, options, f.required, hint)
    if isinstance(f, fields.Boolean):
        options = (("", "Not recorded"), ("true", "Yes"), ("false", "No"))
        return _Spec("yesno", label, options, f.required, hint)
    kinds = (
        (fields.DateTime, "datetime"),
        (fields.Date, "date"),
        ((fields.Integer, fields.Decimal, fields.Float), "number"),
        (fields.Email, "email"),
    )
    for types, kind in kinds:
        if isinstance(f, types):
            return _Spec(kind, label, (), f.required, hint)
    kind = "textarea" if (_max_length(f) or 0) > LONG_TEXT else "text"
    return _Spec(kind, label, (), f.required, hint)


def question(f: fields.Field, key: str) -> tuple[str, str]:
    """What the form asks about field `f` (stored name `key`) and its hint text ("" for
    none): the question and hint set beside the field in its schema
    (careplan.plans.section_schemas.ask: `description`, `hint`), else the field's name in
    plain words (careplan.web.words.field_label) and no hint."""
    return f.metadata.get("description") or field_label(key), f.metadata.get("hint", "")


def _node(f: fields.Field, path: str, value: Any, key: str) -> Node:
    if isinstance(f, fields.Nested):
        label, hint = question(f, key)
        return Node("group", path, label, children=build(f.schema, value, path), hint=hint)
    if isinstance(f, fields.List):
        label, hint = question(f, key)
        noun = ROW_NOUNS.get(key) or _singular(label).lower()
        items = value if isinstance(value, list) else []
        inner = f.inner
        if isinstance(inner, fields.Nested):
            rows = [
                Node(
                    "group",
                    f"{path}.{i}",
                    f"{noun[:1].upper()}{noun[1:]} {i + 1}",  # "Offer 2", not "Offers of housing 2"
                    children=build(
                        inner.schema, item if isinstance(item, dict) else {}, f"{path}.{i}"
                    ),
                )
                for i, item in enumerate(items)
            ]
            return Node(
                "rows",
                path,
                label,
                children=rows,
                row_label=_singular(label),
                row_noun=noun,
                hint=hint,
            )
        # Each line named by the list's row noun: "Warning sign 2", "Way of coping 1".
        rows = [
            Node("text", f"{path}.{i}", f"{noun[:1].upper()}{noun[1:]} {i + 1}", item)
            for i, item in enumerate(items)
        ]
        return Node(
            "texts",
            path,
            label,
            children=rows,
            row_label=_singular(label),
            row_noun=noun,
            hint=hint,
        )
    if key in HIDDEN_FIELDS:
        return Node("hidden", path, field_label(key), value)
    spec = _spec(f, key)
    node = Node(
        spec.kind,
        path,
        spec.label,
        value,
        list(spec.options),
        required=spec.required,
        hint=spec.hint,
    )
    if spec.kind == "yesno":
        node.value = "" if value is None else str(value).lower()
    elif spec.kind == "datetime":
        node.value = (value or "")[:16]
    return node


def _singular(label: str) -> str:
    for plural, one in (("ies", "y"), ("s", "")):
        if label.endswith(plural) and not label.endswith("ss"):
            return label[: -len(plural)] + one
    return label


# --- reading the form back -------------------------------------------------------------


def from_form(form: Any) -> dict[str, Any]:
    """The `c.` fields as nested dicts and lists (list order from the row numbers)."""
    tree: dict[str, Any] = {}
    for name in form:
        if not name.startswith(PREFIX):
            continue
        value = form.get(name, "")
        if name.endswith("-day"):
            # A date in the date input pattern's three boxes (careplan.core.days.from_parts),
            # with a time box beside them for a date and time.
            name = name.removesuffix("-day")
            boxes = [form.get(f"{name}-{part}", "")[:10] for part in PARTS]
            if f"{name}-time" in form:
                value = from_parts_and_time(*boxes, form.get(f"{name}-time", "")[:10])
            else:
                value = from_parts(*boxes)
        elif name.endswith(("-month", "-year", "-time")):
            continue
        parts = name[len(PREFIX) :].split(".")
        if len(parts) > 8 or not all(parts):
            continue
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    return _lists(tree)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int) if int(k) < 200]
    return {k: _lists(v) for k, v in node.items()}


def tidy(value: Any) -> Any:
    """Drop what was left empty: blank inputs, rows with nothing in them, empty groups."""
    if isinstance(value, dict):
        kept = {k: tidy(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", {}, [])}
    if isinstance(value, list):
        kept = [tidy(v) for v in value]
        return [v for v in kept if v not in (None, "", {}, [])]
    if isinstance(value, str):
        return value.strip()
    return value


def change_rows(content: dict[str, Any], add: str | None, remove: str | None) -> dict[str, Any]:
    """Add an empty row to the list at `add`, or remove the row at `remove` (a path)."""
    if add:
        target = _walk(content, add.split("."), create=True)
        if isinstance(target, list) and len(target) < 100:
            target.append({})
    if remove:
        parts = remove.split(".")
        parent = _walk(content, parts[:-1], create=False)
        if isinstance(parent, list) and parts[-1].isdigit() and int(parts[-1]) < len(parent):
            del parent[int(parts[-1])]
    return content


def _walk(node: Any, parts: list[str], create: bool) -> Any:
    for i, part in enumerate(parts):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node or not isinstance(node[part], (dict, list)):
                if not create:
                    return None
                node[part] = [] if i == len(parts) - 1 else {}
            node = node[part]
        else:
            return None
    return node


def text_rows_as_strings(schema: Schema, content: dict[str, Any]) -> dict[str, Any]:
    """An added row in a list of plain texts starts as "" rather than {}."""
    for name, f in schema.fields.items():
        key = _key(name, f)
        value = content.get(key)
        if isinstance(f, fields.List) and isinstance(value, list):
            if isinstance(f.inner, fields.Nested):
                for item in value:
                    if isinstance(item, dict):
                        text_rows_as_strings(f.inner.schema, item)
            else:
                content[key] = ["" if v == {} else v for v in value]
        elif isinstance(f, fields.Nested) and isinstance(value, dict):
            text_rows_as_strings(f.schema, value)
    return content
