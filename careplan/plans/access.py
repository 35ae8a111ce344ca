"""Loading a plan or one of its sections for a request, through the access decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.context import AccessContext
from careplan.access.decision import Decision
from careplan.access.permissions import Permission
from careplan.access.pipeline import NO_PLAN, authorise
from careplan.core import unproxied
from careplan.core.errors import NotFound
from careplan.plans.catalogue import Catalogue, SectionType
from careplan.plans.models import Plan


def catalogue() -> Catalogue:
    return unproxied.app().extensions["careplan.catalogue"]


@dataclass(frozen=True)
class PlanAccess:
    facts: AccessContext
    plan: Plan
    decision: Decision


@dataclass(frozen=True)
class SectionAccess(PlanAccess):
    kind: SectionType


def catalogue_keys() -> list[str]:
    return list(catalogue().keys())


def plan_access(
    person_id: uuid.UUID,
    permission: Permission,
    audit_action: AuditAction,
    *,
    view: bool = False,
) -> PlanAccess:
    """The person's plan, if the caller may take `permission` on it (404: no person the
    caller may know of, or no plan yet; 403: not this). `view`: the route only reads, so
    the plan may be a plain row (consent.facts.PlanRow)."""
    facts, decision = authorise(person_id, permission, audit_action, rows=view)
    if facts.plan is None:
        record(audit_action, Outcome.INVALID, person_id=person_id, reason="no_plan")
        raise NotFound(NO_PLAN)
    return PlanAccess(facts, facts.plan, decision)


def section_access(
    person_id: uuid.UUID, key: str, permission: Permission, audit_action: AuditAction
) -> SectionAccess:
    """Section `key` of the person's plan, if the caller may take `permission` on it."""
    facts, decision = authorise(person_id, permission, audit_action, key)
    return SectionAccess(facts, facts.plan, decision, catalogue().get(key))
