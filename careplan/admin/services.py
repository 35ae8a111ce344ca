"""Administration of staff accounts and agencies, shared by the JSON API and the pages.

Administrators never see plan content: nothing here reads a plan.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import Select, String, cast, func, or_, select

from audit.actions import AuditAction
from audit.log import record
from careplan.access import sources
from careplan.access.permissions import Permission
from careplan.access.pipeline import require_job
from careplan.access.policy import refused_sections
from careplan.accounts import contact, invitations, staff_search
from careplan.accounts.models import AccountKind, User
from careplan.admin import operations
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from careplan.extensions import db
from careplan.identity import second_factor, sessions
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.outbox import queue
from careplan.plans import continuity
from careplan.plans.access import catalogue
from careplan.teams import queries as teams
from consent.models import SharingAgreement

STAFF_PAGE = 100  # rows the staff list shows at once: a national deployment has tens of thousands


@dataclass(frozen=True)
class StaffPage:
    """A page of the staff list: the first STAFF_PAGE accounts matching, by name, and how
    many match in all."""

    rows: list[User]
    total: int


def list_staff() -> list[User]:
    """Every staff account, by name (the API's list)."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
    record(AuditAction.STAFF_LIST)
    return list(
        db.session.scalars(select(User).where(User.kind == AccountKind.STAFF).order_by(User.name))
    )


def find_staff(filters: dict[str, Any] | None = None) -> StaffPage:
    """Staff accounts matching `filters` (careplan.admin.schemas.StaffFilterSchema: `q` a
    part of the name or email address, case-insensitive; `agency`; `role`; `status`
    active, invited (not yet signed in) or deactivated), decided in SQL."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
    filters = filters or {}
    query = select(User).where(User.kind == AccountKind.STAFF)
    if filters.get("q"):
        like = (
            "%"
            + filters["q"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        query = query.where(
            or_(func.lower(User.name).like(like, escape="\\"), User.email.like(like, escape="\\"))
        )
    if filters.get("agency"):
        query = query.where(User.agency_id == filters["agency"])
    if filters.get("role"):
        # Roles are a JSON list: its text holds each role in quotes ("ig_officer").
        query = query.where(cast(User.roles, String).like(f'%"{filters["role"]}"%'))
    status = filters.get("status")
    if status == "active":
        query = query.where(User.active.is_(True), User.invite_hash.is_(None))
    elif status == "invited":
        query = query.where(User.active.is_(True), User.invite_hash.is_not(None))
    elif status == "deactivated":
        query = query.where(User.active.is_(False))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(db.session.scalars(query.order_by(User.name, User.id).limit(STAFF_PAGE)))
    shown = {k: str(v) for k, v in filters.items() if k != "q"}
    record(
        AuditAction.STAFF_LIST,
        details={
            **shown,
            **({"searched": True} if filters.get("q") else {}),
            "returned": len(rows),
        },
    )
    return StaffPage(rows, total)


def get_staff(staff_id: uuid.UUID) -> User:
    """One staff account, for its page (recorded as a look at the staff list)."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
    user = _staff(staff_id)
    record(AuditAction.STAFF_LIST, details={"staff_id": user.id})
    return user


def change_staff(staff_id: uuid.UUID, load: Any) -> User:
    """New roles and organisation for a staff account. Conflict (409) for the
    administrator's own account (another administrator changes it: no one removes their
    own way back in) and for a move away from the organisation while key worker for
    anyone (careplan.admin.operations.change_staff)."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_UPDATE)
    user = _staff(staff_id)
    if user.id == g.user.id:
        raise Conflict(
            "You cannot change your own roles.",
            fields={"roles": ["Ask another administrator to change your own account"]},
        )
    data = load()
    before = {"agency_id": user.agency_id, "roles": list(user.roles)}
    open_plans = len(continuity.open_plans_of(db.session, user.id))
    operations.change_staff(db.session, user, data, open_plans)
    record(
        AuditAction.STAFF_UPDATE,
        details={
            "staff_id": user.id,
            "from": before,
            "to": {"agency_id": user.agency_id, "roles": list(user.roles)},
        },
    )
    return user


def new_invitation(staff_id: uuid.UUID) -> tuple[User, str]:
    """A new invitation code for an active account that has not signed in yet (the old
    code stops working). Conflict (409) for an account already in use or deactivated."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_INVITE)
    user = _staff(staff_id)
    if not user.active or not invitations.waiting(user):
        raise Conflict(
            "Only an account that has not been used yet gets a new invitation code. "
            "Someone who has lost their authenticator app needs it reset instead."
        )
    code = invitations.issue(user)
    record(AuditAction.STAFF_INVITE, details={"staff_id": user.id})
    return user, code


def reactivate_staff(staff_id: uuid.UUID) -> User:
    """Let a deactivated account sign in again. Conflict (409) if it is active."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_REACTIVATE)
    user = _staff(staff_id)
    operations.reactivate(db.session, user)
    record(AuditAction.STAFF_REACTIVATE, details={"staff_id": user.id})
    return user


def create_staff(load: Any) -> User:
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CREATE)
    user = operations.create_staff(db.session, load())
    record(AuditAction.STAFF_CREATE, details={"staff_id": user.id, "roles": user.roles})
    return user


def invite_staff(load: Any) -> tuple[User, str]:
    """A new account and its one-time invitation code (shown once, stored as a hash)."""
    user = create_staff(load)
    return user, invitations.issue(user)


def staff_member(staff_id: uuid.UUID) -> User:
    """A staff account for its contact form (NotFound, 404, for no such staff account)."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
    return _staff(staff_id)


def set_staff_contact(staff_id: uuid.UUID, load: Any) -> User:
    """An administrator sets how colleagues reach a member of staff (work phone, work
    email, working pattern). NotFound (404) for no such staff account; BadRequest (400)
    from `load()` for bad input, nothing changed. Recorded as `staff.contact` with the
    names of the fields changed, never their values."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CONTACT)
    user = _staff(staff_id)
    changed = contact.set_contact(db.session, user, load())
    record(AuditAction.STAFF_CONTACT, details={"staff_id": user.id, "changed": changed})
    return user


def _staff(staff_id: uuid.UUID) -> User:
    user = db.session.get(User, staff_id)
    if user is None or not user.is_staff:
        raise NotFound("No such staff account.")
    return user


OWN_ACCOUNT = (
    "You cannot deactivate your own account. Ask another administrator if you are leaving."
)
HAND_OVER_TO = "Choose an active practitioner in the same organisation, or no one."


@dataclass(frozen=True)
class Deactivated:
    """A deactivation's outcome: the account, and where its open plans went."""

    user: User
    handed_over: int
    handed_over_to: uuid.UUID | None
    needing_key_worker: int


def deactivate_staff(staff_id: uuid.UUID, load: Any = dict) -> Deactivated:
    """Deactivate a staff account, and see that no plan is left silently pointing at it
    (issue 22): with `hand_over_to` (from `load()`), every open plan it was key worker
    for goes to that colleague at once, each its own `keyworker.change` record on the
    person's log and a task for the new key worker to record the person's agreement;
    without it (or for a plan where the person's refusal bars that colleague) the plans
    wait in the lead agency's "needs a new key worker" list, and its team leaders (or,
    with no teams, its practitioners) are told. Absence covers it named or held stop now:
    a cover is for the key worker's absence, not their departure (the waiting plans stay
    with the key worker's team). 422 and nothing changed for a colleague who cannot hold
    them; 409 for an account already deactivated."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_DEACTIVATE)
    user = _staff(staff_id)
    if user.id == g.user.id:
        raise Conflict(OWN_ACCOUNT)
    data = load()
    plans = continuity.open_plans_of(db.session, user.id)
    target = _hand_over_target(user, data.get("hand_over_to"), plans)
    _someone_can_take_on(user, target, plans)
    operations.deactivate(db.session, user)
    covers_ended = teams.end_covers_of(db.session, user.id, clock.now())
    moved = 0
    for plan in plans:
        if target is None or _refused(target, plan.person_id):
            continue
        continuity.move_without_agreement(db.session, plan, target, g.user)
        moved += 1
        record(
            AuditAction.KEYWORKER_CHANGE,
            person_id=plan.person_id,
            basis={"plan": "role:admin"},
            details={"from": user.id, "to": target.id, "why": "deactivated"},
        )
    waiting = len(plans) - moved
    if waiting:
        _tell_needing_key_worker(user)
    record(
        AuditAction.STAFF_DEACTIVATE,
        details={
            "staff_id": user.id,
            "plans_handed_over": moved,
            "handed_over_to": target.id if target is not None and moved else None,
            "plans_needing_key_worker": waiting,
            "covers_ended": covers_ended,
        },
    )
    return Deactivated(user, moved, target.id if target is not None else None, waiting)


def deactivation_choices(staff_id: uuid.UUID) -> tuple[User, int, Select[tuple[User]]]:
    """For the confirmation page: the account, how many open plans it is key worker for
    (a number, no names), and the colleagues who could hold them all, as a query
    (careplan.accounts.staff_search.pool: active practitioners of the plans' one lead
    agency, or of the account's own when it holds none; nobody when the plans are led by
    more than one agency, as no one practitioner may hold them all)."""
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
    user = _staff(staff_id)
    plans = continuity.open_plans_of(db.session, user.id)
    agencies = {plan.lead_agency_id for plan in plans} or {user.agency_id}
    colleagues = staff_search.pool(
        agencies=agencies if len(agencies) == 1 else [], leave_out=[user.id]
    )
    record(AuditAction.STAFF_LIST, details={"staff_id": user.id, "view": "deactivate"})
    return user, len(plans), colleagues


def _hand_over_target(user: User, target_id: uuid.UUID | None, plans: list[Any]) -> User | None:
    if target_id is None:
        return None
    target = db.session.get(User, target_id)
    agencies = {plan.lead_agency_id for plan in plans} or {user.agency_id}
    if (
        target is None
        or target.id == user.id
        or not all(continuity.usable_key_worker(target, agency) for agency in agencies)
    ):
        raise Unprocessable(fields={"hand_over_to": [HAND_OVER_TO]})
    return target


NOBODY_TO_TAKE_ON = (
    "Nobody else can see the people they are key worker for (their organisation works in "
    "teams, and they lead no team's work): choose a colleague to take them on now."
)


def _someone_can_take_on(user: User, target: User | None, plans: list[Any]) -> None:
    """A plan left waiting must be one somebody can hand on: where its lead agency works
    in teams, only a leader of the leaver's teams can (the team's bulk hand-over); with no
    team leader, nobody would ever see it again. 422, nothing changed, for such a plan
    (the one the colleague named cannot take, for a refusal, included)."""
    if teams.leaders_of_member(db.session, user.id):
        return
    for plan in plans:
        waits = target is None or _refused(target, plan.person_id)
        if waits and teams.agency_has_teams(db.session, plan.lead_agency_id):
            raise Unprocessable(fields={"hand_over_to": [NOBODY_TO_TAKE_ON]})


def _refused(worker: User, person_id: uuid.UUID) -> bool:
    """A refusal of the person's covers the worker's agency or sector: as key worker they
    would read what was refused (careplan.plans.services.hand_over), so that plan waits."""
    context = sources.loader().person(worker, person_id, rows=True)
    return context is not None and bool(refused_sections(context))


def _tell_needing_key_worker(user: User) -> None:
    """The departed key worker's team leaders, or where they were in no team, the
    agency's practitioners: content-free, linking to the list."""
    leaders = teams.leaders_of_member(db.session, user.id)
    link = "/needing-key-worker"
    for leader_id in leaders:
        queue(
            db.session,
            NotificationKind.NEEDS_KEY_WORKER,
            to_user_id=leader_id,
            link=link,
            actor_id=g.user.id,
            dedupe_key=f"key_worker.needed:{user.id}:{leader_id}",
        )
    if not leaders and user.agency_id is not None:
        queue(
            db.session,
            NotificationKind.NEEDS_KEY_WORKER_AGENCY,
            to_agency_id=user.agency_id,
            link=link,
            actor_id=g.user.id,
            dedupe_key=f"key_worker.needed:{user.id}",
        )


def reset_second_factor(staff_id: uuid.UUID) -> User:
    """Lost phone: the person sets up a new authenticator app at their next sign-in."""

    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_RESET_SECOND_FACTOR)
    user = _staff(staff_id)
    second_factor.reset(user)
    sessions.end_all(user.id, "second_factor_reset")
    record(AuditAction.STAFF_RESET_SECOND_FACTOR, details={"staff_id": user.id})
    return user


def list_agencies() -> list[Agency]:
    require_job(Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_LIST)
    record(AuditAction.AGENCY_LIST)
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


def get_agency(agency_id: uuid.UUID) -> Agency:
    """One agency, for its page (recorded as a look at the list of agencies)."""
    require_job(Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_LIST)
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("No such agency.")
    record(AuditAction.AGENCY_LIST, details={"agency_id": agency.id})
    return agency


def update_agency(agency_id: uuid.UUID, load: Any) -> Agency:
    """Change an agency's name, sector or kind. Conflict (409) for a name another agency
    has. Its staff, plans and agreement stay as they are."""
    require_job(Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_UPDATE)
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("No such agency.")
    data = load()
    _name_free(data["name"], agency.id)
    before = {"name": agency.name, "sector": agency.sector.value, "kind": agency.kind.value}
    for key, value in data.items():
        setattr(agency, key, value)
    db.session.flush()
    record(
        AuditAction.AGENCY_UPDATE,
        details={
            "agency_id": agency.id,
            "from": before,
            "to": {"name": agency.name, "sector": agency.sector.value, "kind": agency.kind.value},
        },
    )
    return agency


def _name_free(name: str, other_than: uuid.UUID | None = None) -> None:
    query = select(Agency.id).where(Agency.name == name)
    if other_than is not None:
        query = query.where(Agency.id != other_than)
    if db.session.scalar(query):
        raise Conflict(
            "An agency with this name exists.",
            fields={"name": ["An agency with this name already exists: choose a different name"]},
        )


def create_agency(load: Any) -> Agency:
    require_job(Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_CREATE)
    data = load()
    _name_free(data["name"])
    agency = Agency(**data)
    db.session.add(agency)
    db.session.flush()
    record(AuditAction.AGENCY_CREATE, details={"agency_id": agency.id})
    return agency


def set_agreement(agency_id: uuid.UUID, load: Any) -> SharingAgreement:
    require_job(Permission.JOB_AGENCY_MANAGE, AuditAction.AGREEMENT_SET)
    if db.session.get(Agency, agency_id) is None:
        raise NotFound("No such agency.")
    data = load()
    unknown = sorted(set(data["sections"] or []) - set(catalogue().keys()))
    if unknown:
        raise BadRequest(
            fields={
                "sections": [
                    f"Choose parts of the plan from the list ({k} is not one)" for k in unknown
                ]
            }
        )
    if data["valid_until"] < clock.today():
        raise BadRequest(
            fields={"valid_until": ["Enter an end date for the agreement that is today or later"]}
        )
    # A new row each time: the agreement history stays, the newest is in force.
    agreement = SharingAgreement(agency_id=agency_id, created_by_id=g.user.id, **data)
    db.session.add(agreement)
    db.session.flush()
    record(
        AuditAction.AGREEMENT_SET,
        details={"agency_id": agency_id, "max_sensitivity": data["max_sensitivity"]},
    )
    return agreement


def agreements_in_force() -> dict[uuid.UUID, SharingAgreement]:
    """The newest agreement of each agency (administration: no personal data)."""
    rows = db.session.scalars(select(SharingAgreement).order_by(SharingAgreement.created_at))
    return {row.agency_id: row for row in rows}
