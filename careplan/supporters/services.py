"""Supporters: the person (or their key worker with them) shows chosen sections to a family
member, carer or independent advocate until a date, and ends it at once.

Rule tables: `careplan.access.rules.SUPPORTER` (who invites, sees and ends) and the
`BasisKind.SUPPORTER` rows of PERSON, PLAN and SECTION (what a supporter sees); the tie:
`careplan.access.ties.Supporter`. An invitation is the accounts' invitation code
(`careplan.accounts.invitations`), shown once to whoever invited, who passes it on; the
supporter is told by email to expect it (content-free). Ending needs no If-Match: a
person's withdrawal is never blocked (API.md), not even on a closed plan.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import g, url_for
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.decision import BasisKind
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise, contexts_for
from careplan.access.policy import can_see_person
from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import BadRequest, Conflict, NotFound
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.outbox import queue
from careplan.people.models import Person
from careplan.plans.access import catalogue
from careplan.supporters.models import Supporter, SupporterRelationship

NOT_FOUND = "There is no supporter with that id for this person."
UNKNOWN_SECTION = "Choose parts of the plan from the list."
OTHER_ACCOUNT = (
    "This email address belongs to another kind of account on this service: enter a "
    "different email address for them."
)
ALREADY = "They can already see parts of this plan. Stop sharing with them first to choose again."
# Who a supporter is to the person, in words (pages, the access log).
RELATIONSHIP_WORDS = {
    SupporterRelationship.FAMILY: "family member",
    SupporterRelationship.CARER: "carer",
    SupporterRelationship.ADVOCATE: "independent advocate",
    SupporterRelationship.OTHER: "someone supporting you",
}


@dataclass(frozen=True)
class Invited:
    """A new place, and the invitation code to pass on (None: the supporter already has a
    password and signs in as before)."""

    supporter: Supporter
    code: str | None


def present(row: Supporter, code: str | None = None) -> dict[str, Any]:
    """A place as the API shows it; `code`: the invitation, once, to whoever invited."""
    account = row.account
    invitation = None
    if code is not None:
        invitation = {
            "code": code,
            "expires_at": iso(account.invite_expires_at),
            "sign_in": url_for("identity.invitation"),
        }
    return {
        "id": row.id,
        "person_id": row.person_id,
        "name": account.name,
        "relationship": row.relationship.value,
        "described_as": row.described_as,
        "email": account.email,
        "phone": row.phone,
        "sections": list(row.sections),
        "expires_on": row.expires_on,
        "status": row.status(clock.today()),
        "created_at": iso(row.created_at),
        "created_by": row.created_by.name,
        "ended_at": iso(row.ended_at),
        "invitation": invitation,
    }


def who(row: Supporter) -> str:
    """How the person would name them: "my sister" if they said so, else the kind."""
    return row.described_as or RELATIONSHIP_WORDS[row.relationship]


def invite(person_id: uuid.UUID, load: Callable[[], dict[str, Any]]) -> Invited:
    """A new supporter's place for the sections chosen, until the day chosen.

    The account is found by email (a supporter supporting someone else already), or made
    (kind supporter: no roles, no agency) with a fresh invitation code. Raises BadRequest
    (400, `fields.sections`) for a key not in the catalogue; Conflict (409) for an email
    address of a staff or individual account (`fields.email`), or a supporter who already
    has a place in force for this person.
    """
    context, decision = authorise(
        person_id, Permission.SUPPORTER_INVITE, AuditAction.SUPPORTER_INVITE
    )
    data = load()
    order = list(catalogue().keys())
    unknown = [k for k in data["sections"] if k not in order]
    if unknown:
        raise BadRequest(UNKNOWN_SECTION, fields={"sections": [UNKNOWN_SECTION]})
    sections = sorted(set(data["sections"]), key=order.index)
    email = data["email"].strip().lower()
    account = db.session.scalars(select(User).where(User.email == email)).one_or_none()
    code = None
    if account is None:
        account = User(kind=AccountKind.SUPPORTER, email=email, name=data["name"], roles=[])
        code = invitations.issue(account)
        db.session.add(account)
        db.session.flush()
    elif account.kind is not AccountKind.SUPPORTER:
        raise Conflict(OTHER_ACCOUNT, fields={"email": [OTHER_ACCOUNT]})
    else:
        today = clock.today()
        places = db.session.scalars(
            select(Supporter).where(
                Supporter.person_id == person_id, Supporter.account_id == account.id
            )
        )
        if any(p.status(today) == "active" for p in places):
            raise Conflict(ALREADY, fields={"email": [ALREADY]})
        if account.password_hash is None or not account.active:
            # Never signed in (or switched off after their last place ended): a new code.
            account.active = True
            account.deactivated_at = None
            code = invitations.issue(account)
    row = Supporter(
        id=uuid.uuid4(),
        person_id=person_id,
        account_id=account.id,
        relationship=data["relationship"],
        sections=sections,
        expires_on=data["expires_on"],
        created_at=clock.now(),
        created_by_id=g.user.id,
    )
    row.described_as = data.get("described_as") or None
    row.phone = data.get("phone") or None
    db.session.add(row)
    db.session.flush()
    if code is not None:
        queue(
            db.session,
            NotificationKind.SUPPORTER_INVITED,
            to_user_id=account.id,
            link="/sign-in/invitation",
            actor_id=g.user.id,
        )
    _tell_key_worker(context, person_id)
    record(
        AuditAction.SUPPORTER_INVITE,
        person_id=person_id,
        sections=sections,
        basis={"supporter": decision.basis_text},
        details={"supporter_id": row.id, "new_account": code is not None},
    )
    return Invited(row, code)


def _tell_key_worker(context: Any, person_id: uuid.UUID) -> None:
    """The key worker hears when the person changes who sees their plan themselves."""
    plan = context.plan
    if context.subject.is_individual and plan is not None:
        queue(
            db.session,
            NotificationKind.SUPPORTER_CHANGED,
            to_user_id=plan.key_worker_id,
            link=f"/people/{person_id}/supporters",
            actor_id=g.user.id,
        )


def listed(person_id: uuid.UUID) -> Sequence[Supporter]:
    """The person's supporters, current and past, newest first. Records `supporter.list`."""
    _, decision = authorise(person_id, Permission.SUPPORTER_VIEW, AuditAction.SUPPORTER_LIST)
    rows = db.session.scalars(
        select(Supporter)
        .where(Supporter.person_id == person_id)
        .order_by(Supporter.created_at.desc(), Supporter.id)
    ).all()
    record(
        AuditAction.SUPPORTER_LIST,
        person_id=person_id,
        basis={"supporter": decision.basis_text},
        details={"count": len(rows)},
    )
    return rows


def end(person_id: uuid.UUID, supporter_id: uuid.UUID) -> Supporter:
    """Stop sharing with a supporter, now: their next request is refused. Ending a place
    that has ended already changes nothing (a second press of the button). Raises
    NotFound (404) for no such place of this person's."""
    context, decision = authorise(person_id, Permission.SUPPORTER_END, AuditAction.SUPPORTER_END)
    row = db.session.get(Supporter, supporter_id, with_for_update={"of": Supporter})
    if row is None or row.person_id != person_id:
        raise NotFound(NOT_FOUND)
    already = row.ended_at is not None
    if not already:
        row.ended_at = clock.now()
        row.ended_by_id = g.user.id
        _spend_unused_invitation(row)
        db.session.flush()
        _tell_key_worker(context, person_id)
    record(
        AuditAction.SUPPORTER_END,
        person_id=person_id,
        basis={"supporter": decision.basis_text},
        details={"supporter_id": row.id, "already_ended": already},
    )
    return row


def _spend_unused_invitation(row: Supporter) -> None:
    """An invitation not yet used dies with the last place it was for."""
    account = row.account
    if account.invite_hash is None:
        return
    today = clock.today()
    others = db.session.scalars(
        select(Supporter).where(Supporter.account_id == account.id, Supporter.id != row.id)
    )
    if not any(p.status(today) == "active" for p in others):
        invitations.spend(account)


def supporting() -> list[tuple[Person, Supporter]]:
    """The signed-in supporter's people whose plans they may see now, each with the place
    that lets them (their home page). Each person shown is recorded (`person.view`), as a
    practitioner's caseload is."""
    user = g.user
    today = clock.today()
    places = db.session.scalars(
        select(Supporter)
        .where(
            Supporter.account_id == user.id,
            Supporter.ended_at.is_(None),
            Supporter.expires_on >= today,
        )
        .order_by(Supporter.created_at, Supporter.id)
    ).all()
    people = [db.session.get(Person, p.person_id) for p in places]
    shown = []
    for place, person, context in zip(places, people, contexts_for(people), strict=True):
        if not can_see_person(context):
            continue  # a closed plan shows a supporter nothing (careplan.access.ties)
        shown.append((person, place))
        record(
            AuditAction.PERSON_VIEW,
            person_id=person.id,
            basis={"person": f"{BasisKind.SUPPORTER.value}:{place.id}"},
        )
    return shown


def named_in_log(ids: list[uuid.UUID]) -> dict[str, str]:
    """{basis text `supporter:<id>`: words before the supporter's name in the person's
    access log ("Your sister", "Your independent advocate")}, in one query."""
    if not ids:
        return {}
    rows = db.session.scalars(select(Supporter).where(Supporter.id.in_(ids)))
    return {f"{BasisKind.SUPPORTER.value}:{r.id}": _your(r) for r in rows}


def _your(row: Supporter) -> str:
    described = (row.described_as or "").strip()
    if described.lower().startswith("my "):
        described = described[3:].strip()
    if described:
        return f"Your {described}"
    if row.relationship is SupporterRelationship.OTHER:
        return "Someone supporting you:"
    return f"Your {RELATIONSHIP_WORDS[row.relationship]}"
