"""The person's copy in plain form: headings, and labelled lines as the plan page shows
them, for the HTML page and the PDF. Never raw JSON: a section's content becomes its
form's labels and answers (careplan.web.display.lines), each earlier version the changes
it made (careplan.web.display.differences), codes become words.

`parts(data, catalogue)` takes what `careplan.subject_access.export.gather` returned and
gives `[Part]`, in the order the page shows them: what Article 15 says the person must be
told first, then their details, their plan and its history, then everything else held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from careplan.core.clock import SCOTLAND
from careplan.plans.catalogue import Catalogue
from careplan.subject_access.presenters import STATUS_WORDS
from careplan.web.display import differences, lines
from careplan.web.pages import day_words as day
from careplan.web.words import value_label

Line = tuple[str, str]


@dataclass
class Item:
    """One record: a title, labelled lines, and sentences or a list under it."""

    title: str = ""
    lines: list[Line] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


@dataclass
class Part:
    id: str  # the heading's anchor: "purposes", "plan"...
    heading: str
    text: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    empty: str = ""  # said when there is nothing to show


def moment(value: Any) -> str:
    """12 April 2026 at 14:05, Scottish time (stored times are UTC)."""
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is None:  # stored times are naive UTC
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(SCOTLAND)
    return f"{day(when.date())} at {when:%H:%M}"


def _lines(*pairs: tuple[str, Any]) -> list[Line]:
    return [(label, str(value)) for label, value in pairs if value not in (None, "", [])]


def parts(data: dict[str, Any], catalogue: Catalogue) -> list[Part]:
    """The copy's parts, in reading order (see the module's docstring)."""
    titles = {kind.key: kind.title for kind in catalogue}
    return [
        *_about(data["about_this_copy"]),
        _details(data),
        *_plan(data.get("plan"), catalogue),
        _consents(data["consents"], titles),
        _meetings(data["meetings"]),
        _tasks(data["tasks"]),
        _crises(data["crisis_events"]),
        _corrections(data["corrections"]),
        _referrals(data["referrals"], titles),
        _requests(data["subject_access_requests"]),
        _access_log(data["access_log"]),
    ]


def _about(about: dict[str, Any]) -> list[Part]:
    complaint = about["complaint"]
    recipients = [
        Item(
            r["organisation"],
            _lines(
                ("How many times", r["times"]),
                ("Parts of your plan", ", ".join(r["parts"])),
                ("First", moment(r["first"])),
                ("Most recently", moment(r["last"])),
                ("Emergency access", "Yes" if r["emergency"] else ""),
            ),
        )
        for r in about["recipients"]
    ]
    return [
        Part(
            "purposes", "Why we hold your information", [*about["purposes"], about["lawful_basis"]]
        ),
        Part("categories", "What kinds of information we hold", about["categories"]),
        Part(
            "recipients",
            "Which organisations have seen your information",
            [
                "From the record of every time someone looked at or changed your information. "
                "The full list is at the end of this copy."
            ],
            recipients,
            "No organisation has looked at your information yet.",
        ),
        Part("retention", "How long we keep it", [about["retention"]]),
        Part(
            "rights",
            "Your rights",
            [],
            [Item(r["right"], text=[r["text"]]) for r in about["rights"]],
        ),
        Part(
            "complain",
            "How to complain",
            [complaint["text"]],
            [
                Item(
                    complaint["name"],
                    _lines(
                        ("Website", complaint["web"]),
                        ("Phone", complaint["phone"]),
                        ("Address", complaint["address"]),
                        ("In Scotland", complaint["scotland"]),
                    ),
                )
            ],
        ),
        Part("sources", "Where your information came from", about["sources"]),
        Part("automated", "Decisions made by computer", [about["automated_decisions"]]),
        Part("transfers", "Sending your information outside the UK", [about["transfers"]]),
    ]


def _details(data: dict[str, Any]) -> Part:
    person, account = data["person"], data.get("account")
    return Part(
        "details",
        "Your details",
        items=[
            Item(
                lines=_lines(
                    ("Name", f"{person['given_name']} {person['family_name']}"),
                    ("Preferred name", person.get("preferred_name")),
                    ("Date of birth", day(person["date_of_birth"])),
                    ("CHI number", person.get("chi") or "Not recorded"),
                    ("Registered", moment(person.get("registered_at"))),
                    ("Sign-in email", account["email"] if account else None),
                )
            )
        ],
    )


def _plan(plan: dict[str, Any] | None, catalogue: Catalogue) -> list[Part]:
    if plan is None:
        return [Part("plan", "Your plan", ["You do not have a care plan yet."])]
    agreed = plan.get("agreed")
    summary = Item(
        lines=_lines(
            ("Lead agency", plan["lead_agency"]),
            ("Key worker", plan["key_worker"]),
            (
                "You agreed to this",
                f"{day(agreed['on'])}, {value_label(agreed['how']).lower()}"
                if agreed
                else "Not yet asked",
            ),
            ("Plan started", moment(plan["created_at"])),
        )
    )
    sections = []
    for section in plan["sections"]:
        kind = catalogue.get(section["key"])
        shown = [(line.label, line.value) for line in lines(kind.schema, section["current"])]
        item = Item(section["title"], shown, [] if shown else ["Nothing written yet."])
        for entry in section["entries"]:
            by = entry["author"] + (f", {entry['agency']}" if entry.get("agency") else "")
            line = f"Update on {day(entry['occurred_on'])} by {by}: {entry['text']}"
            error = entry.get("entered_in_error")
            if error:
                line += (
                    f" (Entered in error: marked by {error['by']} on {moment(error['at'])}."
                    f" Reason: {error['reason']})"
                )
            item.text.append(line)
        versions = section["versions"]  # newest first
        for index, version in enumerate(versions):
            older = versions[index + 1]["content"] if index + 1 < len(versions) else None
            changes = differences(kind.schema, older, version["content"] or {})
            said = "; ".join(
                f"{c.label}: {c.after}"
                if c.before is None
                else (
                    f"{c.label}: removed"
                    if c.after is None
                    else f"{c.label}: {c.before} to {c.after}"
                )
                for c in changes
            )
            by = f" by {version['changed_by']}" if version.get("changed_by") else ""
            item.text.append(
                f"Version {version['version']}, {moment(version['changed_at'])}{by}: "
                + (
                    said
                    or (
                        "started, with nothing written yet"
                        if older is None
                        else "no change to what it says"
                    )
                )
            )
        sections.append(item)
    people = [
        Item(
            k["name"],
            _lines(
                ("Organisation", k["agency"]),
                ("From", moment(k["from"])),
                ("To", moment(k["to"]) or "Now"),
                ("You agreed", day(k["agreed_on"])),
                ("Note", "" if k["account_active"] else "No longer works with this service"),
            ),
        )
        for k in plan["key_workers"]
    ]
    team = [
        Item(
            m["name"],
            _lines(
                ("Organisation", m["agency"]),
                ("Role", m["role"]),
                ("From", day(m["from"])),
                ("To", day(m["to"])),
                ("Ended", moment(m["ended_at"])),
                ("How they joined", value_label(m["how"])),
                ("The reason they gave", m["reason"] if m["how"] == "claimed" else None),
                ("In your care team now", "Yes" if m["current"] else "No"),
                (
                    "Note",
                    ""
                    if m["account_active"]
                    else "No longer works with this service, so no longer in your care team",
                ),
            ),
        )
        for m in plan["care_team"]
    ]
    return [
        Part("plan", "Your plan", items=[summary, *sections]),
        Part("key-workers", "Your key workers", items=people),
        Part("care-team", "Your care team", items=team, empty="Nobody else is in your care team."),
    ]


def _sections(keys: Any, titles: dict[str, str]) -> str:
    if keys is None or keys == "all":
        return "All of your plan"
    return ", ".join(titles.get(k, k) for k in keys)


def _consents(rows: list[dict[str, Any]], titles: dict[str, str]) -> Part:
    items = []
    for c in rows:
        grantee = c["grantee"]
        who = (
            grantee.get("agency_name")
            or f"Every {value_label(grantee.get('sector')).lower()} organisation"
        )
        verb = "Share with" if c["effect"] == "permit" else "Never share with"
        items.append(
            Item(
                f"{verb} {who}",
                _lines(
                    ("What", _sections(c["sections"], titles)),
                    ("Why", value_label(c["purpose"])),
                    ("From", day(c["starts_on"])),
                    ("Until", day(c["expires_on"])),
                    ("How you agreed", value_label(c["method"])),
                    ("Recorded by", (c.get("recorded_by") or {}).get("name")),
                    ("Now", value_label(c["status"])),
                    ("Withdrawn", moment(c["withdrawn_at"])),
                    ("Why it was withdrawn", c.get("withdrawn_reason")),
                ),
            )
        )
    return Part(
        "sharing",
        "Who you agreed to share with, and what you refused",
        items=items,
        empty="You have not recorded any choices about sharing.",
    )


def _meetings(rows: list[dict[str, Any]]) -> Part:
    items = [
        Item(
            f"{value_label(m['kind'])} on {day(m['held_on'])}",
            _lines(
                (
                    "Who was there",
                    ", ".join(
                        a["name"] + (f" ({a['agency_name']})" if a.get("agency_name") else "")
                        for a in m["attendees"]
                    ),
                ),
                ("You were there", "Yes" if m["person_attended"] else "No"),
                ("What you said", m.get("person_views")),
                ("Summary", m.get("summary")),
                ("Decisions", m.get("decisions")),
                (
                    "Actions",
                    "; ".join(
                        f"{a['title']} ({a['owner_name']}, by {day(a['due_on'])})"
                        for a in m["actions"]
                    ),
                ),
                ("Next review", day(m.get("next_review_on"))),
                ("Recorded by", m["recorded_by"]),
            ),
        )
        for m in rows
    ]
    return Part("meetings", "Meetings and reviews", items=items, empty="No meetings are recorded.")


def _tasks(rows: list[dict[str, Any]]) -> Part:
    items = [
        Item(
            t["title"],
            _lines(
                ("Who does it", t["owner_name"]),
                ("By", day(t["due_on"])),
                ("Now", value_label(t["status"])),
                ("Note", t.get("status_note")),
                ("Added", moment(t["created_at"])),
            ),
        )
        for t in rows
    ]
    return Part("actions", "Actions agreed for you", items=items, empty="No actions are recorded.")


def _crises(rows: list[dict[str, Any]]) -> Part:
    items = [
        Item(
            f"{value_label(c['kind'])} on {day(c['occurred_on'])}",
            _lines(
                ("Note", c.get("note")),
                ("Follow-up by", c["follow_up_owner"]),
                ("Follow-up due", day(c["follow_up_due_on"])),
                ("Followed up", "Yes" if c["followed_up"] else "Not yet"),
                ("Recorded by", c["recorded_by"]),
            ),
        )
        for c in rows
    ]
    return Part("crises", "Crisis events", items=items, empty="No crisis events are recorded.")


def _corrections(rows: list[dict[str, Any]]) -> Part:
    items = [
        Item(
            f"About {c['section_title']}, asked {moment(c['created_at'])}",
            _lines(
                ("What you asked", c["text"]),
                ("Answer", c.get("answer") or "Not answered yet"),
                ("Answered by", c.get("answered_by")),
                ("Answered", moment(c.get("answered_at"))),
            ),
        )
        for c in rows
    ]
    return Part(
        "corrections",
        "Your requests for corrections",
        items=items,
        empty="You have not asked for any corrections.",
    )


def _referrals(rows: list[dict[str, Any]], titles: dict[str, str]) -> Part:
    items = []
    for r in rows:
        service = r.get("service") or {}
        history = "; ".join(
            f"{day(e.get('at'))}: {e.get('status_words') or value_label(e.get('status'))}"
            + (f" ({e['reason_text']})" if e.get("reason_text") else "")
            for e in r.get("history", [])
        )
        items.append(
            Item(
                f"To {service.get('name', 'a service')}"
                + (f" ({service['organization']})" if service.get("organization") else ""),
                _lines(
                    ("Made", moment(r["created_at"])),
                    ("By", (r.get("referrer") or {}).get("name")),
                    ("Why", r.get("reason")),
                    ("How soon", value_label(r["urgency"])),
                    (
                        "Parts of your plan sent",
                        _sections(r["sections"], titles) if r["sections"] else "None",
                    ),
                    ("Contact only through your key worker", "Yes" if r["do_not_contact"] else ""),
                    ("Now", r.get("status_words") or value_label(r["status"])),
                    ("What happened", history),
                ),
            )
        )
    return Part(
        "referrals", "Referrals", items=items, empty="You have not been referred to any service."
    )


def _requests(rows: list[dict[str, Any]]) -> Part:
    items = [
        Item(
            f"Received {day(r['received_on'])}",
            _lines(
                (
                    "Asked by",
                    "You"
                    if r["requested_by"] == "person"
                    else f"{r['representative_name']}, for you",
                ),
                ("How it came", value_label(r["channel"])),
                ("Now", STATUS_WORDS.get(r["status"], value_label(r["status"]))),
                ("Due", day(r["due_on"])),
                ("Why it needed more time", r.get("extension_reason")),
                ("Answered", day(r["completed_on"])),
                ("Why it was refused", r.get("refusal_text")),
            ),
        )
        for r in rows
    ]
    return Part(
        "requests",
        "Your requests for a copy of your information",
        items=items,
        empty="You have not made a request. You can download this copy at any time.",
    )


def _access_log(rows: list[dict[str, Any]]) -> Part:
    """Everyone who looked at or changed the person's information, one line per day, person
    and thing they did, with how many times and between which times (a day of a key
    worker's work reads as one line, not fifty); the data file keeps every record's exact
    time. Newest day first, as the log is."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for a in rows:
        when = moment(a["when"])
        day_said, _, time_said = when.partition(" at ")
        key = (
            day_said,
            a.get("who") or "Someone not signed in",
            a.get("agency"),
            a["what"],
            tuple(a.get("sections") or ()),
            a.get("why"),
            a.get("justification"),
        )
        groups.setdefault(key, []).append(time_said)
    items = []
    for (day_said, who, agency, what, sections, why, justification), times in groups.items():
        if agency:
            who += f" ({agency})"
        if len(times) == 1:
            when = f"{day_said} at {times[0]}"
        else:
            when = f"{day_said}, {len(times)} times between {min(times)} and {max(times)}"
        sentence = f"{when}: {who} {what}"
        if sections:
            sentence += f" ({', '.join(sections)})"
        if why:
            sentence += f", because {why}"
        if justification:
            sentence += f'. They wrote: "{justification}"'
        items.append(sentence + ".")
    return Part(
        "access-log",
        "Everyone who has looked at or changed your information",
        [
            "Each line is one day, one person and one thing they did. The data file (JSON) has "
            "the exact time of every one."
        ]
        if items
        else [],
        items=[Item(text=items)] if items else [],
        empty="Nobody has looked at your information yet.",
    )
