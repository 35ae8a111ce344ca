"""The refusal side of the access decision: load, ask `decide`, audit a denial, raise.

Handlers call these instead of deciding anything themselves. A person the caller has no
basis for is answered 404 exactly like one that does not exist.
"""

from __future__ import annotations

import uuid

from flask import current_app, g

from audit.actions import AuditAction, Outcome
from audit.log import attempt, record
from careplan.accounts.models import Role
from careplan.core.errors import Forbidden, NotFound
from careplan.extensions import db
from careplan.people.models import Person
from consent.decision import Action, Decision, can_see_person, decide, decide_role
from consent.facts import AccessFacts, load_facts, load_facts_many, load_plan_view_facts

PERSON_NOT_FOUND = "No person with that id that you can see."


def catalogue_keys() -> list[str]:
    return list(current_app.extensions["careplan.catalogue"].keys())


def facts_for(person: Person) -> AccessFacts:
    return load_facts(db.session, g.user, person, current_app.extensions["careplan.sensitivity"])


def facts_for_many(people: list[Person]) -> list[AccessFacts]:
    return load_facts_many(
        db.session, g.user, people, current_app.extensions["careplan.sensitivity"]
    )


def person_facts(person_id: uuid.UUID, audit_action: AuditAction) -> AccessFacts:
    """Load the person and what the caller may do; 404 if they may do nothing at all."""
    person = db.session.get(Person, person_id)
    return _visible(facts_for(person) if person is not None else None, person_id, audit_action)


def view_facts(person_id: uuid.UUID, audit_action: AuditAction) -> AccessFacts:
    """As `person_facts`, for read-only views: the person and plan as plain rows, loaded
    in one query (the plan view is the busiest request). The same checks and audit."""
    facts = load_plan_view_facts(
        db.session, g.user, person_id, current_app.extensions["careplan.sensitivity"]
    )
    return _visible(facts, person_id, audit_action)


def _visible(
    facts: AccessFacts | None, person_id: uuid.UUID, audit_action: AuditAction
) -> AccessFacts:
    if facts is None:
        record(
            audit_action,
            Outcome.DENY,
            person_id=None,
            reason="not_found",
            details={"requested_id": person_id},
        )
        raise NotFound(PERSON_NOT_FOUND)
    if not can_see_person(facts, catalogue_keys()):
        record(
            audit_action,
            Outcome.DENY,
            person_id=facts.person.id,
            reason=decide(facts, None, Action.VIEW).reason,
        )
        raise NotFound(PERSON_NOT_FOUND)
    attempt(audit_action, person_id=facts.person.id)
    return facts


def require(
    facts: AccessFacts,
    section: str | None,
    action: Action,
    audit_action: AuditAction,
) -> Decision:
    """Permit, or audit the denial and answer 403 (the person is visible to this caller)."""
    decision = decide(facts, section, action)
    if not decision.permit:
        record(
            audit_action,
            Outcome.DENY,
            person_id=facts.person.id,
            sections=[section] if section else [],
            reason=decision.reason,
        )
        raise Forbidden(reason=decision.reason)
    attempt(
        audit_action,
        person_id=facts.person.id,
        sections=[section] if section else [],
        basis={section or "plan": decision.basis},
    )
    return decision


def section_decisions(facts: AccessFacts, action: Action) -> dict[str, Decision]:
    return {key: decide(facts, key, action) for key in catalogue_keys()}


def require_role(role: Role, audit_action: AuditAction) -> None:
    """403 unless the caller holds `role` (staff only; individuals hold no staff role)."""
    decision = decide_role(g.user.has_role(role))
    if not decision.permit:
        record(audit_action, Outcome.DENY, reason=decision.reason)
        raise Forbidden(reason=decision.reason)
    attempt(audit_action, basis={"role": role.value})


def require_practitioner(audit_action: AuditAction) -> None:
    """Practitioner, and not also holding a role that must never see plan content."""
    user = g.user
    privileged = user.has_role(Role.IG_OFFICER) or user.has_role(Role.ADMIN)
    decision = decide_role(user.has_role(Role.PRACTITIONER) and not privileged)
    if not decision.permit:
        record(audit_action, Outcome.DENY, reason=decision.reason)
        raise Forbidden(reason=decision.reason)
    attempt(audit_action, basis={"role": Role.PRACTITIONER.value})


def person_by_exact_id(person_id: uuid.UUID, audit_action: AuditAction) -> Person:
    """For claims and break-glass: a practitioner with no basis yet, holding an id from an
    exact lookup. The id is unguessable, so this reveals no more than the lookup did."""
    require_practitioner(audit_action)
    person = db.session.get(Person, person_id)
    if person is None:
        record(audit_action, Outcome.DENY, reason="not_found", details={"requested_id": person_id})
        raise NotFound(PERSON_NOT_FOUND)
    attempt(audit_action, person_id=person.id)
    return person
