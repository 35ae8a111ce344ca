"""The plan page's summary and order (issue 17): what a key worker or practitioner needs
first, made from what the page has already read (the plan view's body, the access
context and the one summary statement, careplan.access.sources.PlanGlance).

Nothing here reads the database or decides access: risk flags come only from sections the
caller is shown, and "what each can see" is the decision's own answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from careplan.access.context import AccessContext
from careplan.access.policy import refused_sections
from careplan.access.sources import PlanGlance
from careplan.core import clock
from careplan.web.words import basis_words, field_label, value_label

# What an emergency needs first (issue 17): the safety and crisis plan, then the contacts
# (crisis contacts, care team, out-of-hours); the rest follows in catalogue order.
EMERGENCY_FIRST = ("safety", "contacts")


@dataclass(frozen=True)
class RiskFlag:
    """One line of the summary's "Risks and safety" list. `strong`: shown as a warning
    (something to act on before a visit)."""

    text: str
    strong: bool = False


def risk_flags(sections: dict[str, dict[str, Any]]) -> list[RiskFlag]:
    """Risk flags from the shown sections' content: "Do not visit alone" and what visitors
    need to know, the risk level and kinds of risk (safety), an overdose history
    (substance_use). `sections`: the plan body's shown sections, key -> section."""
    flags: list[RiskFlag] = []
    safety = (sections.get("safety") or {}).get("content") or {}
    assessment = safety.get("risk_assessment") or {}
    if assessment.get("do_not_visit_alone"):
        flags.append(RiskFlag("Do not visit alone.", strong=True))
    if assessment.get("visiting_notes"):
        flags.append(RiskFlag(assessment["visiting_notes"], strong=True))
    if assessment.get("level"):
        flags.append(RiskFlag(f"Risk level: {value_label(assessment['level']).lower()}."))
    kinds = [value_label(r.get("type")) for r in assessment.get("risks") or [] if r.get("type")]
    if kinds:
        flags.append(RiskFlag("Risks: " + ", ".join(k.lower() for k in kinds) + "."))
    harm = ((sections.get("substance_use") or {}).get("content") or {}).get("harm_reduction")
    if (harm or {}).get("overdose_history"):
        flags.append(RiskFlag(field_label("overdose_history") + "."))
    return flags


def last_update(sections: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The newest change among the shown sections: {at (ISO 8601 UTC), by, title}."""
    changed = [s for s in sections.values() if s.get("updated_at")]
    if not changed:
        return None
    newest = max(changed, key=lambda s: s["updated_at"])
    by = newest.get("updated_by") or {}
    return {"at": newest["updated_at"], "by": by.get("name"), "title": newest["title"]}


def one_basis(shown: list[dict[str, Any]]) -> str | None:
    """The basis sentence when it is the same for every shown section (said once at the
    top), else None (each section says its own)."""
    said = {basis_words(s["basis"]) for s in shown}
    return said.pop() if len(said) == 1 else None


def emergency_until(facts: AccessContext) -> datetime | None:
    """When the caller's emergency access in force ends (UTC), or None if they read the
    plan on another basis."""
    emergency = facts.active_break_glass
    return emergency.expires_at if emergency is not None else None


def local_moment(moment: datetime) -> str:
    """14:05 today, or 14:05 on 1 December: a time in Scotland (Europe/London), as the
    person reading the page keeps time (`moment` naive UTC)."""
    local = moment.replace(tzinfo=UTC).astimezone(clock.SCOTLAND)
    day = local.date()
    if day == clock.today():
        return f"{local:%H:%M} today"
    return f"{local:%H:%M} on {day.day} {day:%B}"


def emergency_order(shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sections with what an emergency needs first (EMERGENCY_FIRST), the rest after
    in catalogue order."""
    first = [s for key in EMERGENCY_FIRST for s in shown if s["key"] == key]
    return first + [s for s in shown if s["key"] not in EMERGENCY_FIRST]


def summary(
    facts: AccessContext,
    body: dict[str, Any],
    glance: PlanGlance,
    shown: list[dict[str, Any]],
    *,
    team: bool,
    overdue: int,
) -> dict[str, Any]:
    """What the plan page's summary shows: risk flags, the care team with what each can
    see (`members`: None unless `team`, the caller's `plan:care_team:view`: a receiving
    service or a supporter is shown who leads the plan, never the care team), the next
    review, the overdue actions the caller may see (`overdue`), the last update, the
    basis (once, if the same for every section), and for emergency access its end and the
    sections the person had refused to the caller's organisation (seen now only because of
    the emergency)."""
    sections = body["sections"]
    until = emergency_until(facts)
    refused = set(refused_sections(facts)) if until is not None else set()
    return {
        "risks": risk_flags(sections),
        "members": glance.members if team else None,
        "overdue_actions": overdue,
        "next_review_on": facts.plan.next_review_on,
        "key_worker_reach": facts.plan.key_worker_reach,
        "last_update": last_update(sections),
        "basis": one_basis(shown) if shown else None,
        "emergency_until": until,
        "emergency_ends": local_moment(until) if until is not None else None,
        "refused": [s["key"] for s in shown if s["key"] in refused],
    }
