"""The person's access log in plain language: who, when, what, and why they could."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit.log import open_justification
from careplan.core.clock import iso

WHAT = {
    "plan.view": "looked at your plan",
    "plan.create": "started your plan",
    "section.view": "looked at a part of your plan",
    "section.update": "changed a part of your plan",
    "section.history": "looked at earlier versions of a part of your plan",
    "entry.create": "added an update to your plan",
    "entry.view": "read the updates in your plan",
    "person.view": "looked at your name and details",
    "person.create": "registered you",
    "person.chi": "added your CHI number to your record",
    "person.merge": "joined two records of you into one",
    "person.distinct": "checked that a record with details like yours is someone else",
    "person.lookup": "looked you up by your details",
    "careteam.view": "looked at who is in your care team",
    "careteam.add": "added someone to your care team",
    "careteam.end": "ended someone's place in your care team",
    "careteam.claim": "said they work with you and joined your care team",
    "consent.create": "recorded what you agreed to share",
    "consent.withdraw": "withdrew a permission to share",
    "consent.view": "looked at what you agreed to share",
    "keyworker.change": "changed your key worker",
    "breakglass.invoke": "used emergency access to your plan",
    "accesslog.view": "looked at this list",
    "account.link": "invited you to sign in",
    "export": "made a copy of everything held about you",
}


def why(basis: str | None) -> str | None:
    if not basis:
        return None
    if basis == "key_worker":
        return "they are your key worker"
    if basis == "lead_agency":
        return "they work in your lead agency"
    if basis == "self":
        return "it was you"
    if basis == "registered":
        return "they registered you"
    if basis.startswith("consent:"):
        return "you agreed to share this with their organisation"
    if basis.startswith("breakglass:"):
        return "emergency access: they said there was a risk to life or of serious harm"
    return None


def entry(row: Mapping[str, Any], titles: Mapping[str, str]) -> dict[str, Any]:
    action = row["action"]
    bases = [b for b in (row["basis"] or {}).values() if b]
    allowed = row["outcome"] == "permit"
    what = WHAT.get(action, "used your record")
    if not allowed:
        what = f"tried to do this but was not allowed: {what}"
    return {
        "when": iso(row["occurred_at"]),
        "who": row["actor_name"],
        "agency": row["actor_agency_name"],
        "what": what,
        "sections": [titles.get(k, k) for k in row["sections"] or []],
        "why": why(bases[0]) if bases else None,
        "allowed": allowed,
        "emergency": action == "breakglass.invoke"
        or any(b.startswith("breakglass:") for b in bases),
        "justification": open_justification(row),
    }
