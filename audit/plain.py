"""The person's access log in plain language: who, when, what, and why they could.

The words are the person's ("looked at your plan"); `about(...)` turns them into words
for staff reading the same log about someone ("looked at Sarah's plan")."""

from __future__ import annotations

import re
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
    "housing_ask.create": "recorded asking you about your housing",
    "housing_ask.list": "looked at what you said when asked about your housing",
    "housing_ask.update": "recorded what came of asking you about your housing",
    "housing_duty.report": "counted housing questions asked (no one is named)",
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
    "subject_access.create": "recorded your request for a copy of your information",
    "subject_access.list": "looked at the list of requests for a copy of information",
    "subject_access.view": "looked at the record of your request for a copy of your information",
    "subject_access.identity": "recorded that your identity was confirmed for your request",
    "subject_access.start": "started work on your request for a copy of your information",
    "subject_access.extend": "gave your request for a copy of your information more time",
    "subject_access.release": "made your copy of your information ready",
    "subject_access.refuse": "answered your request for a copy of your information with a refusal",
    "subject_access.export": "made a copy of everything held about you",
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


_YOU = re.compile(r"\b(yours|your|you)\b")


def about(words: str | None, name: str) -> str | None:
    """The person's words said to staff about them: "looked at your plan" becomes "looked
    at Sarah's plan", "registered you" "registered Sarah"."""
    if words is None:
        return None
    words = words.replace("you need", f"{name} needs")
    named = False

    def say(match: re.Match[str]) -> str:
        # The name once; after it "their", as people say it ("looked Sarah up by their
        # details", not "by Sarah's details").
        nonlocal named
        if match.group(1) == "you":
            named = True
            return name
        if named:
            return "theirs" if match.group(1) == "yours" else "their"
        named = True
        return f"{name}\u2019s"

    return _YOU.sub(say, words)


def entry(
    row: Mapping[str, Any], titles: Mapping[str, str], name: str | None = None
) -> dict[str, Any]:
    """One line of the person's access log. `allowed`: the access rules allowed it;
    `done`: it happened (only for `permit`). With `name`, `what` and `why` speak to staff
    about the person (`about`). `seq`, `actor_id` and `action` say which record it is
    (the pages group and link by them; the API's schema leaves them out)."""
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
    reason = why(bases[0]) if bases else None
    if name is not None and bases[:1] == ["self"]:
        # The person's own doing, said to staff: "looked at their own plan".
        what, reason = (
            _YOU.sub(lambda m: "themselves" if m.group(1) == "you" else "their own", what),
            None,
        )
    elif name is not None:
        what, reason = about(what, name) or what, about(reason, name)
    return {
        "seq": row["seq"],
        "actor_id": row["actor_id"],
        "action": action,
        "outcome": outcome,
        "when": iso(row["occurred_at"]),
        "who": row["actor_name"],
        "agency": row["actor_agency_name"],
        "what": what,
        "sections": [titles.get(k, k) for k in row["sections"] or []],
        "why": reason,
        "allowed": allowed,
        "done": done,
        "emergency": action == "breakglass.invoke"
        or any(b.startswith("breakglass:") for b in bases),
        "justification": open_justification(row),
    }


# Which record a line is: for the pages only (grouping, links), never in a copy given out.
RECORD_KEYS = ("seq", "actor_id", "action", "outcome")


def public(line: Mapping[str, Any]) -> dict[str, Any]:
    """A line of `entry` without the keys that say which record it is (a subject access
    copy gives the words, not staff account ids)."""
    return {k: v for k, v in line.items() if k not in RECORD_KEYS}


# What an IG officer reads for the actions that are not about one person's plan (the rest
# come from WHAT, said about "the person"): every audit action has words (a test checks).
STAFF_WHAT = {
    "accesslog.view": "Looked at who has looked at the person\u2019s plan",
    "person.search": "Searched for people",
    "breakglass.review": "Reviewed an emergency access",
    "careteam.review": "Reviewed a claimed relationship",
    "audit.search": "Searched the audit log",
    "audit.verify": "Checked that the audit log is intact",
    "audit.archive": "Archived a closed year of the audit log to a file",
    "audithead.view": "Looked at the latest audit record and its witnesses",
    "restore": "Restored the service from a backup",
    "plan.close": "Closed the person's plan",
    "erase": "Erased a closed plan at the end of its retention period",
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.failed": "Tried to sign in, and could not",
    "auth.token": "Made or revoked an API token",
    "agency.list": "Looked at the list of agencies",
    "agency.create": "Added an agency",
    "staff.list": "Looked at the staff accounts",
    "me.view": "Looked at their own account",
    "agreement.set": "Set an agency's information-sharing agreement",
    "staff.create": "Added a staff account",
    "staff.deactivate": "Deactivated a staff account",
    "staff.reset_second_factor": "Reset someone's authenticator app",
    "staff.update": "Changed a staff account's roles or organisation",
    "staff.invite": "Sent a new invitation code to a staff account",
    "staff.reactivate": "Reactivated a staff account",
    "staff.contact": "Changed how colleagues reach a member of staff",
    "me.contact": "Changed how colleagues reach them",
    "agency.update": "Changed an agency's details",
    "team.list": "Looked at teams",
    "team.create": "Added a team",
    "team.update": "Changed a team",
    "team.hand_over": "Handed a team's people to a new key worker",
    "cover.create": "Arranged cover for a key worker",
    "cover.list": "Looked at cover arrangements",
    "cover.end": "Ended a cover arrangement",
    "service.search": "Searched the service directory",
    "service.view": "Looked at a service in the directory",
    "service.create": "Added a service to the directory",
    "service.update": "Changed a service in the directory",
    "service.import": "Imported services into the directory",
    "notification.list": "Looked at their notifications",
    "notification.read": "Read a notification",
    "notification.preferences": "Changed how they are told about things",
    "notification.send": "Sent a notification",
    "task.mine": "Looked at their own tasks",
}


def staff_what(action: str) -> str:
    """An audit action in plain words for an IG officer: "Looked at the person's plan",
    "Searched the audit log". An action with no words (a new one) is shown as itself."""
    if action in STAFF_WHAT:
        return STAFF_WHAT[action]
    if action in WHAT:
        words = about(WHAT[action], "the person") or action
        return words[0].upper() + words[1:]
    return action


def staff_why(basis: str | None) -> str | None:
    """A basis in plain words for an IG officer ("they are the person's key worker"), or
    None for one with no words (shown as stored)."""
    return about(why(basis), "the person")
