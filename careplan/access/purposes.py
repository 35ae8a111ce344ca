"""Purposes of access: why a request reads or changes someone's record.

Caldicott principle 1 ("justify the purpose(s) for using confidential information", The
Caldicott Principles, National Data Guardian, December 2020, adopted by NHS Scotland) and
UK GDPR Article 5(1)(b) (purpose limitation): every request to a declared route carries a
purpose, recorded in its audit record. The vocabulary is fixed; the API contract names
the first five (API.md "Conventions"), and the IG tools add two:

- `direct_care`: the person's own care and support (the default; the National Data
  Guardian's definition of direct care includes local audit of that care);
- `referral`: passing the person to another service for their care (part of direct care,
  named so it can be reported and consented to on its own);
- `safeguarding`: protecting the person or others from harm (Adult Support and
  Protection (Scotland) Act 2007; National Guidance for Child Protection in Scotland 2021);
- `subject_access`: answering the person's own request for their data (UK GDPR Art 15);
- `statutory_return`: a return the law requires (e.g. homelessness statistics, HL1);
- `audit`: information governance checking the record of access (the IG tools' default);
- `ig_investigation`: investigating a complaint or concern about access to a record.

`research` (and any other secondary use) is refused: identifiable data for research or
planning in Scotland needs approval by the Public Benefit and Privacy Panel for Health and
Social Care and goes through a safe haven, never through this service.

A consent limits the purposes access through it may serve (careplan.access.rules.
consent_serves): the
person agreed to share for their care; a consent never covers an investigation or a
return. Other bases (key worker, lead agency, care team membership, break-glass) carry
their own purpose and are not limited by consent.
"""

from __future__ import annotations

from flask import has_request_context

from audit.actions import Purpose
from careplan.access.permissions import Permission, ResourceType
from careplan.access.rules import CONSENT_SERVES, consent_serves
from careplan.core import unproxied

__all__ = ["CONSENT_SERVES", "Purpose", "consent_serves", "current", "default_for", "take"]

# Asked for by name, and refused with the reason (never silently replaced).
REFUSED = {
    "research": (
        "Research is not a purpose this service shares records for. Identifiable data for "
        "research needs approval by the Public Benefit and Privacy Panel and goes through "
        "a safe haven."
    ),
}
UNKNOWN = "Give the purpose as one of: " + ", ".join(p.value for p in Purpose) + "."
HEADER = "X-Purpose"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
MAX_CHARS = 50

_AUDIT_JOBS = frozenset(
    {
        Permission.JOB_AUDIT_SEARCH,
        Permission.JOB_AUDIT_EXPORT,
        Permission.JOB_AUDIT_VERIFY,
        Permission.JOB_AUDIT_REVIEW,
    }
)


def default_for(permission: Permission | None) -> Purpose | None:
    """The purpose a request has when it names none: `direct_care`; the IG tools'
    `audit`; a subject access export's `subject_access`. None where no one's record is
    touched (the caller's own account, managing agencies and staff)."""
    if permission is None or permission.resource_type is ResourceType.ACCOUNT:
        return None
    if permission in _AUDIT_JOBS:
        return Purpose.AUDIT
    if permission in (Permission.JOB_SUBJECT_ACCESS, Permission.PERSON_EXPORT):
        return Purpose.SUBJECT_ACCESS
    if permission in (Permission.JOB_STAFF_MANAGE, Permission.JOB_AGENCY_MANAGE):
        return None
    return Purpose.DIRECT_CARE


def requested() -> str | None:
    """The purpose the request names: the `X-Purpose` header, else a `purpose` query
    parameter, else (a page's form) a `purpose` form field; None if it names none. A JSON
    body's `purpose` is never read (a consent's body has its own)."""
    if not has_request_context():
        return None
    asked = unproxied.request()
    for value in (asked.headers.get(HEADER), asked.args.get("purpose")):
        if value is not None and value.strip():
            return value.strip()
    # Only a request with a form body has a form to read: parsing an absent one costs
    # more than the rest of this function on every plan view.
    if asked.method in ("GET", "HEAD") or asked.mimetype not in FORM_TYPES:
        return None
    value = asked.form.get("purpose")
    return value.strip() if value is not None and value.strip() else None


def take(permission: Permission | None) -> str | None:
    """Settle this request's purpose (`g.purpose`) before its access is decided: what it
    named if that is in the vocabulary, else the default for `permission`. Returns the
    problem to answer with (400, once the decision is recorded) if it named a purpose
    outside the vocabulary; then `g.purpose` is None, so nothing is recorded as done for
    a purpose nobody can read."""
    named = requested()
    state = unproxied.namespace()
    if named is None:
        default = default_for(permission)
        state.purpose = default.value if default is not None else None
        return None
    try:
        state.purpose = Purpose(named.lower()).value
    except ValueError:
        state.purpose = None
        return REFUSED.get(named.lower()[:MAX_CHARS], UNKNOWN)
    return None


def current() -> str:
    """This request's purpose for access decisions (`direct_care` outside a request)."""
    return unproxied.namespace().get("purpose") or Purpose.DIRECT_CARE.value
