"""What UK GDPR Article 15 says the person must be told with their copy, in plain words.

Article 15(1): (a) the purposes; (b) the categories of personal data; (c) the recipients
(here: from the access log, which organisations saw what); (d) how long it is kept;
(e) the rights to rectification, erasure, restriction and objection; (f) the right to
complain to the Information Commissioner; (g) where data not collected from the person
came from; (h) automated decision-making (none). Article 15(2): safeguards for transfers
outside the UK (none are made). The same facts as the privacy notice
(templates/about/privacy.html), said to the person about their own record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The Information Commissioner's Office: how to complain (ico.org.uk/make-a-complaint).
ICO = {
    "name": "Information Commissioner's Office",
    "address": "Wycliffe House, Water Lane, Wilmslow, Cheshire, SK9 5AF",
    "scotland": (
        "The ICO's office in Scotland: Queen Elizabeth House, Sibbald Walk, Edinburgh, EH8 8FT"
    ),
    "phone": "0303 123 1113",
    "web": "https://ico.org.uk/make-a-complaint/",
}

PURPOSES = [
    "To coordinate your care, treatment and housing support between the organisations that "
    "support you, so that you do not have to tell your story again and again (direct care).",
    "To refer you to other services, with what you agreed to send.",
    "To protect you or others from harm, where the law requires it (adult and child protection).",
    "To keep a record of everyone who looks at your information, so that access can be "
    "checked by information governance officers and by you.",
    "To answer requests like this one, and returns the law requires.",
]
LAWFUL_BASIS = (
    "NHS services and councils use your information to provide health and social care, as "
    "a public task (UK GDPR Article 6(1)(e), and Article 9(2)(h) for health and care "
    "information). Some charities use legitimate interests (Article 6(1)(f)). Staff outside "
    "your key worker's organisation see a part of your plan only if you agreed, or in an "
    "emergency."
)
SOURCES = [
    "You: what you told your key worker and the people supporting you, and what you wrote "
    "yourself.",
    "The staff of the organisations that support you: what they recorded in your plan, "
    "meetings, actions and referrals.",
    "Your CHI number (your NHS number in Scotland) comes from NHS Scotland.",
    "The record of who looked at your information is made by the service itself.",
]
RIGHTS = [
    (
        "Correction",
        "If something is wrong or missing, you can ask for it to be corrected "
        "(rectification). Use 'Ask for a correction' in your plan, or tell your key worker.",
    ),
    (
        "Erasure",
        "You can ask for your information to be erased, where the law allows. Health "
        "and care records usually have to be kept for a set time.",
    ),
    (
        "Restriction",
        "You can ask for the use of your information to be restricted while a "
        "question about it is answered.",
    ),
    (
        "Objection",
        "You can object to how your information is used. You can also change or "
        "withdraw what you agreed to share at any time: it applies the next time anyone looks.",
    ),
]
TRANSFERS = (
    "Your information is kept in the UK and is not sent outside the UK, so no safeguards "
    "for transfers abroad are needed (UK GDPR Article 15(2))."
)
AUTOMATED = (
    "No decisions about you are made by a computer alone, and you are not profiled "
    "(UK GDPR Article 22)."
)


def categories(section_titles: Iterable[str]) -> list[str]:
    """The kinds of information held (Art 15(1)(b)), the plan's parts by their titles."""
    return [
        "Who you are: your name, preferred name, date of birth and CHI number.",
        "Your care plan: " + "; ".join(section_titles) + ".",
        "Health information, including alcohol and drug use and mental health, and "
        "information about offences (the justice part of your plan): special category data.",
        "Who your key worker, lead agency and care team are, and when you agreed to them.",
        "What you agreed to share, with whom, and what you refused.",
        "Meetings and reviews, shared actions, crisis events, referrals and your requests "
        "for corrections.",
        "A record of every time someone looked at or changed your information.",
        "If you sign in yourself: your email address and how you sign in.",
    ]


def retention(kept: str) -> str:
    """How long it is kept (Art 15(1)(d)); `kept`: the closed-plan period in words."""
    return (
        f"Your plan is kept while you are being supported. When your plan is closed, it is "
        f"kept for {kept} and then erased. The record of who looked at your plan is kept after "
        f"that, without your name or what your plan said, so that access can still be checked."
    )


def kept_words(days: int) -> str:
    """CAREPLAN_RETENTION_DAYS in words: whole years where it is (careplan.me.about)."""
    years, rest = divmod(days, 365)
    return f"{years} years" if years and rest < 7 else f"{days} days"


def complaint(contact: str | None) -> dict[str, Any]:
    """The right to complain (Art 15(1)(f)), with the ICO's details, and who to ask first."""
    first = (
        f"You can ask us first: email {contact}."
        if contact
        else "You can ask us first: tell your key worker or any organisation that supports you."
    )
    return {
        **ICO,
        "text": (
            "If you are unhappy with how your information is used or with this answer, you "
            "can complain to the Information Commissioner's Office. " + first
        ),
    }


def recipients(access_log: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Which organisations saw or changed what (Art 15(1)(c)), from the access log:
    one row per organisation, with the parts of the plan it saw, how many times, first and
    last; only what was done (refused attempts are in the log, not here). You yourself are
    not a recipient."""
    found: dict[str, dict[str, Any]] = {}
    for row in access_log:
        if not row.get("done") or row.get("self"):
            continue
        agency = row.get("agency") or "No organisation (the service itself)"
        entry = found.setdefault(
            agency,
            {
                "organisation": agency,
                "times": 0,
                "parts": [],
                "first": row["when"],
                "last": row["when"],
                "emergency": False,
            },
        )
        entry["times"] += 1
        for part in row.get("sections") or []:
            if part not in entry["parts"]:
                entry["parts"].append(part)
        entry["first"] = min(entry["first"], row["when"])
        entry["last"] = max(entry["last"], row["when"])
        entry["emergency"] = entry["emergency"] or bool(row.get("emergency"))
    return sorted(found.values(), key=lambda e: e["organisation"])


def about(
    section_titles: list[str],
    access_log: list[Mapping[str, Any]],
    kept: str,
    contact: str | None,
) -> dict[str, Any]:
    """Everything Article 15(1)(a)-(h) and 15(2) ask for, as data (JSON) the readable
    versions turn into sentences."""
    return {
        "purposes": PURPOSES,
        "lawful_basis": LAWFUL_BASIS,
        "categories": categories(section_titles),
        "recipients": recipients(access_log),
        "retention": retention(kept),
        "rights": [{"right": r, "text": t} for r, t in RIGHTS],
        "complaint": complaint(contact),
        "sources": SOURCES,
        "automated_decisions": AUTOMATED,
        "transfers": TRANSFERS,
    }
