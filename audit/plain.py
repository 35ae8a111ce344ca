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
    "keyworker.agree": "recorded that you agreed to your new key worker",
    "keyworker.queue": "saw that you need a new key worker",
    "team.caseload": "looked at your goals and reviews in their team's caseload",
    "breakglass.invoke": "used emergency access to your plan",
    "accesslog.view": "looked at this list",
    "account.link": "invited you to sign in",
    "export": "made a copy of everything held about you",
    "plan.reopen": "reopened your plan",
    "meeting.list": "looked at your reviews and meetings",
    "meeting.view": "looked at a record of a meeting about you",
    "meeting.create": "recorded a meeting about you",
    "task.list": "looked at the actions agreed for you",
    "task.create": "added an action for you",
    "task.status": "updated an action for you",
    "chronology.view": "looked at the timeline of your support",
    "entry.error": "marked an update as entered in error",
    "crisis.list": "looked at crisis events recorded for you",
    "crisis.create": "recorded a crisis event",
    "correction.create": "asked for a correction to your plan",
    "correction.list": "looked at your requests for corrections",
    "correction.answer": "answered your request for a correction",
    "supporter.invite": "invited someone supporting you to see parts of your plan",
    "supporter.list": "looked at who is supporting you and what each can see",
    "supporter.end": "stopped sharing your plan with someone supporting you",
    "referral.create": "referred you to a service",
    "referral.view": "looked at a referral of yours",
    "referral.list": "looked at your referrals",
    "referral.status": "updated a referral of yours",
    "referral.forward": "passed a referral of yours on to another service",
    "referral.letter": "printed a referral letter for a service, with what you agreed to send",
}
# An export that is the plan on paper (careplan.plans.printing), not everything held.
PRINTED = "printed your plan, with the parts they can see"


def why(basis: str | None) -> str | None:
    if not basis:
        return None
    if basis == "key_worker":
        return "they are your key worker"
    if basis == "lead_agency":
        return "they work in your lead agency"
    if basis == "key_worker_team":
        return "they are in your key worker's team"
    if basis == "team_leader":
        return "they lead your key worker's team and check the work is going well"
    if basis.startswith("cover:"):
        return "they are covering for your key worker while your key worker is away"
    if basis == "self":
        return "it was you"
    if basis == "registered":
        return "they registered you"
    if basis.startswith("consent:"):
        return "you agreed to share this with their organisation"
    if basis.startswith("referral:"):
        return "you agreed to send this to their organisation with a referral"
    if basis.startswith("referrer:"):
        return "they made the referral"
    if basis == "service:expiry":
        return "the service closes a referral that was not answered in time"
    if basis.startswith("breakglass:"):
        return "emergency access: they said there was a risk to life or of serious harm"
    if basis.startswith("handed_over:"):
        return "they were your key worker, and are handing over to your new one"
    if basis.startswith("supporter:"):
        return "you chose to share this with them, as someone supporting you"
    if basis.startswith("task_owner"):
        return "they were given an action to do for you"
    return None


# Said of an attempt the rules allowed that did not happen (audit.actions.NOT_DONE): a
# mistake in a form is never shown to the person as "not allowed".
NOT_DONE = {
    "invalid": "started to do this, but nothing was done because what they sent had a "
    "mistake in it",
    "conflict": "started to do this, but nothing was done because someone had changed it "
    "just before",
    "failed": "started to do this, but the service could not do it, so nothing was done",
}


def entry(row: Mapping[str, Any], titles: Mapping[str, str]) -> dict[str, Any]:
    """One line of the person's access log. `allowed`: the access rules allowed it;
    `done`: it happened (only for `permit`)."""
    action = row["action"]
    bases = [b for b in (row["basis"] or {}).values() if b]
    outcome = row["outcome"]
    done = outcome == "permit"
    allowed = outcome != "deny"
    what = WHAT.get(action, "used your record")
    if action == "export" and (row.get("details") or {}).get("format") == "pdf":
        what = PRINTED
    if outcome == "deny":
        what = f"tried to do this but was not allowed: {what}"
    elif not done:
        what = f"{NOT_DONE.get(outcome, NOT_DONE['failed'])}: {what}"
    return {
        "when": iso(row["occurred_at"]),
        "who": row["actor_name"],
        "agency": row["actor_agency_name"],
        "what": what,
        "sections": [titles.get(k, k) for k in row["sections"] or []],
        "why": why(bases[0]) if bases else None,
        "allowed": allowed,
        "done": done,
        "emergency": action == "breakglass.invoke"
        or any(b.startswith("breakglass:") for b in bases),
        "justification": open_justification(row),
    }
