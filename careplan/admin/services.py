"""Administration of staff accounts and agencies, shared by the JSON API and the pages.

Administrators never see plan content: nothing here reads a plan.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import require_job
from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.admin import operations
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import BadRequest, Conflict, NotFound
from careplan.extensions import db
from careplan.identity import second_factor, sessions
from careplan.plans.access import catalogue
from consent.models import SharingAgreement


def list_staff() -> list[User]:
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
    record(AuditAction.STAFF_LIST)
    return list(
        db.session.scalars(select(User).where(User.kind == AccountKind.STAFF).order_by(User.name))
    )


def create_staff(load: Any) -> User:
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CREATE)
    user = operations.create_staff(db.session, load())
    record(AuditAction.STAFF_CREATE, details={"staff_id": user.id, "roles": user.roles})
    return user


def invite_staff(load: Any) -> tuple[User, str]:
    """A new account and its one-time invitation code (shown once, stored as a hash)."""
    user = create_staff(load)
    return user, invitations.issue(user)


def _staff(staff_id: uuid.UUID) -> User:
    user = db.session.get(User, staff_id)
    if user is None or not user.is_staff:
        raise NotFound("No such staff account.")
    return user


def deactivate_staff(staff_id: uuid.UUID) -> User:
    require_job(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_DEACTIVATE)
    user = _staff(staff_id)
    operations.deactivate(db.session, user)
    record(AuditAction.STAFF_DEACTIVATE, details={"staff_id": user.id})
    return user


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


def create_agency(load: Any) -> Agency:
    require_job(Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_CREATE)
    data = load()
    if db.session.scalar(select(Agency.id).where(Agency.name == data["name"])):
        raise Conflict(
            "An agency with this name exists.",
            fields={"name": ["An agency with this name already exists: choose a different name"]},
        )
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
