"""Where the person can get help now: the safety block on their own pages (issue 17).

The national lines are fixed (NHS 24 on 111, Samaritans on 116 123, both free and open at
any time); the local crisis line differs by area, so a deployment names it in its
settings (`CAREPLAN_CRISIS_LINE_NAME`, `CAREPLAN_CRISIS_LINE_PHONE`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Line:
    """A telephone line to call: who answers, the number as people dial it, when."""

    name: str
    phone: str
    when: str


NATIONAL = (
    Line("NHS 24", "111", "for urgent help with your health when your GP is closed"),
    Line("Samaritans", "116 123", "free, at any time, to talk about whatever is troubling you"),
)


def crisis_line() -> Line | None:
    """The local crisis line from the settings, or None when the deployment names none
    (both a name and a number are needed: half of one is not shown)."""
    name = current_app.config.get("CRISIS_LINE_NAME", "").strip()
    phone = current_app.config.get("CRISIS_LINE_PHONE", "").strip()
    if not name or not phone:
        return None
    return Line(name, phone, "for help in a crisis where you live")
