"""Loading a plan or one of its sections for a request, through the access decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.core.errors import NotFound
from careplan.plans.catalogue import Catalogue, SectionType
from careplan.plans.models import Plan
from consent.decision import Action, Decision
from consent.facts import AccessFacts
from consent.guard import person_facts, require, view_facts


def catalogue() -> Catalogue:
    return current_app.extensions["careplan.catalogue"]


@dataclass(frozen=True)
class PlanAccess:
    facts: AccessFacts
    plan: Plan
    decision: Decision


@dataclass(frozen=True)
class SectionAccess(PlanAccess):
    kind: SectionType


def plan_access(
    person_id: uuid.UUID, action: Action | None, audit_action: AuditAction, *, view: bool = False
) -> PlanAccess:
    """The person's plan, if the caller may take `action` on the plan (None: any basis).
    `view`: read-only, so the plan may be a plain row (consent.facts.PlanRow)."""
    facts = view_facts(person_id, audit_action) if view else person_facts(person_id, audit_action)
    if facts.plan is None:
        record(audit_action, Outcome.DENY, person_id=person_id, reason="no_plan")
        raise NotFound("This person has no care plan yet.")
    decision = require(facts, None, action, audit_action) if action else Decision.allow("any")
    return PlanAccess(facts, facts.plan, decision)


def section_access(
    person_id: uuid.UUID, key: str, action: Action, audit_action: AuditAction
) -> SectionAccess:
    facts = person_facts(person_id, audit_action)
    kind = catalogue().get(key)
    if kind is None:
        record(audit_action, Outcome.DENY, person_id=person_id, reason="unknown_section")
        raise NotFound("There is no section with that key.")
    if facts.plan is None:
        record(audit_action, Outcome.DENY, person_id=person_id, reason="no_plan")
        raise NotFound("This person has no care plan yet.")
    decision = require(facts, key, action, audit_action)
    return SectionAccess(facts, facts.plan, decision, kind)
