"""Two people saving one section (issue 17): after "someone else saved first", keep the
other person's changes to the fields this person did not touch, keep this person's own
changes, and name the fields both changed.

A three-way merge of section content (nested dicts and lists, as the section schemas
load them): `base` is the version this person started from, `theirs` the version saved
since, `mine` what this person typed. A field is a leaf path ("housing_history.0.to");
a list whose length differs between the three is one field (rows added or removed cannot
be paired up by position without guessing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class Merged:
    """The merged content, and the paths both people changed differently (this person's
    value kept there: they are looking at it)."""

    content: dict[str, Any]
    both_changed: list[str]


def merge(base: Any, theirs: Any, mine: Any) -> Merged:
    """Three-way merge of `base`, `theirs` and `mine` (see the module's note)."""
    clashes: list[str] = []
    content = _merge(base, theirs, mine, "", clashes)
    return Merged(content if isinstance(content, dict) else {}, clashes)


def _merge(base: Any, theirs: Any, mine: Any, path: str, clashes: list[str]) -> Any:
    if mine == theirs:
        return mine
    if mine == base:
        return theirs  # this person did not touch it: the other person's change stands
    if theirs == base:
        return mine
    if all(isinstance(v, dict) or v is _MISSING for v in (base, theirs, mine)):
        keys = _keys(base, theirs, mine)
        out = {}
        for key in keys:
            value = _merge(
                _get(base, key), _get(theirs, key), _get(mine, key), _join(path, key), clashes
            )
            if value is not _MISSING:
                out[key] = value
        return out
    if all(isinstance(v, list) for v in (base, theirs, mine)) and (
        len(base) == len(theirs) == len(mine)
    ):
        return [
            _merge(b, t, m, _join(path, str(i)), clashes)
            for i, (b, t, m) in enumerate(zip(base, theirs, mine, strict=True))
        ]
    clashes.append(path)
    return mine


def _keys(*values: Any) -> list[str]:
    seen: list[str] = []
    for value in values:
        if isinstance(value, dict):
            seen += [k for k in value if k not in seen]
    return seen


def _get(value: Any, key: str) -> Any:
    return value.get(key, _MISSING) if isinstance(value, dict) else _MISSING


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
