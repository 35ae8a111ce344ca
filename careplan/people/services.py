"""Finding and registering people, shared by the JSON API and the web pages."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import ValidationError

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import (
    authorise,
    contexts_for,
    forget,
    load_context,
    person_context,
    require_job,
)
from careplan.access.policy import can_see_person, decide_on
from careplan.access.sources import Scope
from careplan.extensions import db
from careplan.people import operations
from careplan.people.models import Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchPage:
    """One page of a list of people. `total`: how many the caller may see match in all
    (never counting anyone hidden from them); `cursor`: opaque, for the next page, or
    None on the last page; `query`: the validated query it answers."""

    people: list[Person]
    total: int
    cursor: str | None
    query: dict[str, Any]
    before: int = 0  # how many earlier pages showed

    @property
    def first(self) -> int:
        """The position of the page's first person in the whole list (1-based)."""
        return self.before + 1 if self.people else 0

    @property
    def last(self) -> int:
        return self.before + len(self.people)


def _cursors() -> URLSafeSerializer:
    # Signed, so a cursor names only a person this caller was shown: a made-up one cannot
    # be used to learn where a hidden person sorts.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="careplan.people.cursor")


def _after(cursor: str | None) -> tuple[uuid.UUID | None, int]:
    """(the last person shown, how many were shown before) from a cursor we signed for
    this caller; ValidationError for any other."""
    if not cursor:
        return None, 0
    try:
        data = _cursors().loads(cursor)
        if data["u"] != str(g.user.id):
            raise BadSignature("another account's cursor")
        return uuid.UUID(data["a"]), int(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise _stale_cursor() from None


def _stale_cursor() -> ValidationError:
    return ValidationError(
        {"cursor": ["This list has changed since it was shown. Search again from the start."]}
    )


def search(load: Any) -> SearchPage:
    """A page of the people the caller may see something of, matching the query
    (`load()` -> {"q", "scope", "cursor", "limit"}), in name order, with the total.

    The access decision is made in the query: the caller's standing people
    (key worker, lead agency, registered) are counted and paged in SQL, and the people
    they reach only through a section (care team, emergency access) are first decided by
    the policy, so nobody they may see is dropped from a full page and nobody hidden is
    counted (issue #16, fault 1). Raises ValidationError (400) for a cursor this caller
    was not given."""
    require_job(Permission.JOB_PERSON_SEARCH, AuditAction.PERSON_SEARCH)
    args = load()
    q, scope, limit = args["q"], Scope(args["scope"]), args["limit"]
    after, before = _after(args.get("cursor"))
    reached = operations.conditional_matches(db.session, g.user, q, scope)
    also = [f.person.id for f in contexts_for(reached) if can_see_person(f)] if reached else []
    try:
        rows, total = operations.search_page(
            db.session, g.user, q, scope=scope, also=also, after=after, limit=limit
        )
    except LookupError:
        raise _stale_cursor() from None
    shown = rows[:limit]
    # Every person shown is confirmed by the policy, as on every other route.
    confirmed = [f.person for f in contexts_for(shown) if can_see_person(f)] if shown else []
    if len(confirmed) != len(shown):
        log.error("search: %d of a page not confirmed by the policy", len(shown) - len(confirmed))
    cursor = None
    if len(rows) > limit and shown:
        seen = before + len(shown)
        cursor = _cursors().dumps({"u": str(g.user.id), "a": str(shown[-1].id), "n": seen})
    record(
        AuditAction.PERSON_SEARCH,
        details={"returned": [str(p.id) for p in confirmed], "total": total, "scope": scope},
    )
    return SearchPage(confirmed, total, cursor, args, before)


def register(load: Any) -> Person:
    """Register a person once (`load()` -> person_create's fields). Raises Conflict for a
    registered CHI number, and PossibleDuplicate (409, recorded with the ids it matched,
    for IG) when the details may be someone already registered, unless the input says why
    this is someone else: then the reason is recorded, sealed, with those ids, so an IG
    officer can review and merge the records if they were wrong (issue #16, fault 14)."""
    require_job(Permission.JOB_PERSON_REGISTER, AuditAction.PERSON_CREATE)
    data = load()
    reason = data.pop("duplicate_reason", None)
    try:
        person, matches = operations.register(db.session, data, g.user, reason)
    except operations.PossibleDuplicate as exc:
        record(
            AuditAction.PERSON_CREATE,
            Outcome.CONFLICT,
            reason=exc.code,
            details={"possible_duplicate_of": [str(m) for m in exc.matches]},
        )
        raise
    if matches:
        record(
            AuditAction.PERSON_CREATE,
            person_id=person.id,
            justification=reason,
            details={"possible_duplicate_of": [str(m) for m in matches]},
        )
    else:
        record(AuditAction.PERSON_CREATE, person_id=person.id)
    return person


def record_chi(person_id: uuid.UUID, load: Any) -> Person:
    """Add the person's CHI number (`load()` -> {"chi"}), recorded (careplan.people.
    operations.record_chi says what is refused)."""
    facts, decision = authorise(person_id, Permission.PERSON_CHI_RECORD, AuditAction.PERSON_CHI)
    chi = load()["chi"]
    person = operations.record_chi(db.session, facts.person, chi)
    record(
        AuditAction.PERSON_CHI,
        person_id=person_id,
        basis={"identity": decision.basis_text},
    )
    forget(person_id)
    return person


def lookup(load: Any) -> Person | None:
    """Exactly one exact match (recorded), or None (recorded as refused)."""
    require_job(Permission.JOB_PERSON_LOOKUP, AuditAction.PERSON_LOOKUP)
    criteria = load()
    by = "chi" if "chi" in criteria else "name_and_date_of_birth"
    person = operations.lookup(db.session, criteria)
    if person is None:
        # Not a refusal: the lookup was allowed and found no one person (invalid: it
        # named nothing that exists). Reports of refusals do not count it.
        record(
            AuditAction.PERSON_LOOKUP,
            Outcome.INVALID,
            reason="no_single_match",
            details={"by": by},
        )
        return None
    record(AuditAction.PERSON_LOOKUP, person_id=person.id, details={"by": by})
    return person


def view_person(person_id: uuid.UUID) -> Person:
    """The person the caller may know of (404 otherwise), the view recorded."""
    facts = person_context(person_id, AuditAction.PERSON_VIEW)
    decision = decide_on(facts, Permission.PERSON_VIEW)
    record(AuditAction.PERSON_VIEW, person_id=person_id, basis={"identity": decision.basis_text})
    return facts.person


# What identifies a person beyond their name: shown only with PERSON_IDENTITY_VIEW.
IDENTITY_DETAILS = ("date_of_birth", "chi")


def shows_identity(person_id: uuid.UUID) -> bool:
    """Whether the caller may see who the person is beyond their name (date of birth, CHI
    number): every basis but a supporter's (careplan.access.rules.PERSON). A person the
    caller may not know of at all is False."""
    facts = load_context(person_id, rows=True)
    return facts is not None and decide_on(facts, Permission.PERSON_IDENTITY_VIEW).permit


def identity_out(person_id: uuid.UUID, body: dict[str, Any]) -> dict[str, Any]:
    """`body` (a dumped person) with the identifying details (IDENTITY_DETAILS) made null
    when the caller may see the name only (`shows_identity`)."""
    if shows_identity(person_id):
        return body
    return {**body, **dict.fromkeys(IDENTITY_DETAILS)}
