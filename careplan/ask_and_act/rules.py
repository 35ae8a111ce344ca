"""The duty's rules, read from configuration (config/ask_and_act.toml), not code.

Part 5 of the Housing (Scotland) Act 2025 commences by regulations and its guidance may
change: the commencement day, the "threatened with homelessness" window, the relevant
bodies, the answers, actions and outcomes all live in the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "ask_and_act.toml"


class RulesError(ValueError):
    """The file cannot be used; the service refuses to start."""


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    acts: bool = False  # an answer that calls for action
    refers: bool = False  # an action made as a referral to the council's service


@dataclass(frozen=True)
class DutyRules:
    commences_on: date | None  # None: not commenced; asking is good practice
    threatened_within_days: int
    duty_bodies: frozenset[str]  # agency kinds (careplan.agencies.models.AgencyKind)
    suppress_below: int
    answers: tuple[Choice, ...]
    actions: tuple[Choice, ...]
    outcomes: tuple[Choice, ...]

    def codes(self, kind: str) -> list[str]:
        """The codes of "answers", "actions" or "outcomes", in the file's order."""
        return [c.code for c in getattr(self, kind)]

    def label(self, kind: str, code: str | None) -> str | None:
        return next((c.label for c in getattr(self, kind) if c.code == code), None)

    def under_duty(self, asked_on: date, agency_kind: str | None) -> bool:
        """Whether an ask on `asked_on` by an agency of `agency_kind` was made under the
        commenced duty (and not as good practice)."""
        commenced = self.commences_on is not None and asked_on >= self.commences_on
        return commenced and agency_kind in self.duty_bodies


def _choices(raw: dict[str, Any], kind: str) -> tuple[Choice, ...]:
    rows = raw.get(kind)
    if not isinstance(rows, list) or not rows:
        raise RulesError(f"[[{kind}]] needs at least one entry")
    found = []
    for row in rows:
        try:
            found.append(
                Choice(
                    str(row["code"]),
                    str(row["label"]),
                    bool(row.get("acts", False)),
                    bool(row.get("refers", False)),
                )
            )
        except (KeyError, TypeError) as exc:
            raise RulesError(f"each [[{kind}]] needs a code and a label") from exc
    codes = [c.code for c in found]
    if len(set(codes)) != len(codes):
        raise RulesError(f"[[{kind}]] codes must be unique")
    return tuple(found)


def load(path: Path) -> DutyRules:
    """The rules in `path`. Raises RulesError naming what is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"cannot read {path.name}: {exc}") from exc
    start = raw.get("commences_on", "")
    try:
        commences = date.fromisoformat(start) if start else None
        window = int(raw["threatened_within_days"])
        suppress = int(raw.get("report_suppress_below", 5))
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError(
            "commences_on must be a date (YYYY-MM-DD) or empty, and "
            "threatened_within_days and report_suppress_below whole numbers"
        ) from exc
    if window < 1 or suppress < 0:
        raise RulesError("threatened_within_days must be at least 1")
    return DutyRules(
        commences_on=commences,
        threatened_within_days=window,
        duty_bodies=frozenset(str(k) for k in raw.get("duty_bodies", [])),
        suppress_below=suppress,
        answers=_choices(raw, "answer"),
        actions=_choices(raw, "action"),
        outcomes=_choices(raw, "outcome"),
    )


def current() -> DutyRules:
    """The running app's rules (loaded at start-up by `careplan.create_app`)."""
    return current_app.extensions["careplan.ask_and_act"]
