"""The access decision: one pure function, deny by default, always saying why.

`decide(facts, section, action)` answers for one user, one person and one section (or the
plan as a whole when `section` is None). It does no I/O: `consent.facts` loads everything
it needs for a person in a fixed number of queries, so a whole plan costs the same however
many sections it has. Pages and the API both ask it; nothing else decides access.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from consent.facts import AccessFacts


class Action(enum.StrEnum):
    VIEW = "view"  # read a section (or the person's identity)
    UPDATE = "update"  # replace a section's content
    ADD_ENTRY = "add_entry"  # append a dated update to a section
    VIEW_CARE_TEAM = "view_care_team"
    MANAGE_CARE_TEAM = "manage_care_team"
    HAND_OVER = "hand_over"  # change the key worker
    VIEW_CONSENTS = "view_consents"
    RECORD_CONSENT = "record_consent"  # give, refuse or withdraw
    VIEW_ACCESS_LOG = "view_access_log"
    LINK_ACCOUNT = "link_account"  # invite the individual to sign in
    CREATE_PLAN = "create_plan"


class Basis(enum.StrEnum):
    KEY_WORKER = "key_worker"
    LEAD_AGENCY = "lead_agency"
    SELF = "self"
    REGISTERED = "registered"  # registered the person, who has no plan yet


class Denial(enum.StrEnum):
    ROLE = "role"
    NO_RELATIONSHIP = "no_relationship"
    READ_ONLY = "read_only"
    NO_PLAN = "no_plan"
    HAS_PLAN = "has_plan"


@dataclass(frozen=True)
class Decision:
    permit: bool
    basis: str | None = None
    reason: str | None = None

    @classmethod
    def allow(cls, basis: str) -> Decision:
        return cls(True, basis=basis)

    @classmethod
    def deny(cls, reason: str) -> Decision:
        return cls(False, reason=reason)


# What each standing basis lets its holder do; anything not listed is denied.
KEY_WORKER_ACTIONS = frozenset(Action) - {Action.CREATE_PLAN}
LEAD_AGENCY_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.ADD_ENTRY,
        Action.VIEW_CARE_TEAM,
        Action.MANAGE_CARE_TEAM,
        Action.HAND_OVER,
        Action.VIEW_CONSENTS,
    }
)
SELF_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.VIEW_CARE_TEAM,
        Action.VIEW_CONSENTS,
        Action.RECORD_CONSENT,
        Action.VIEW_ACCESS_LOG,
    }
)
REGISTERED_ACTIONS = frozenset({Action.VIEW, Action.CREATE_PLAN})


def decide(facts: AccessFacts, section: str | None, action: Action) -> Decision:
    """Permit or deny `action` on `section` (None: the plan or person as a whole)."""
    if facts.is_individual:
        return _decide_individual(facts, action)
    if not facts.is_practitioner:
        # IG officers and administrators never get plan content, whatever else they hold.
        return Decision.deny(Denial.ROLE)
    if facts.plan is None:
        return _decide_without_plan(facts, section, action)
    if action is Action.CREATE_PLAN:
        return Decision.deny(Denial.HAS_PLAN)
    if facts.is_key_worker:
        return Decision.allow(Basis.KEY_WORKER)
    if facts.in_lead_agency:
        if action in LEAD_AGENCY_ACTIONS:
            return Decision.allow(Basis.LEAD_AGENCY)
        return Decision.deny(Denial.READ_ONLY)
    return Decision.deny(Denial.NO_RELATIONSHIP)


def _decide_individual(facts: AccessFacts, action: Action) -> Decision:
    if not facts.is_self:
        return Decision.deny(Denial.NO_RELATIONSHIP)
    if facts.plan is None and action is not Action.VIEW:
        return Decision.deny(Denial.NO_PLAN)
    if action in SELF_ACTIONS:
        return Decision.allow(Basis.SELF)
    return Decision.deny(Denial.ROLE)


def _decide_without_plan(facts: AccessFacts, section: str | None, action: Action) -> Decision:
    # Before a plan exists only the practitioner who registered the person can see the
    # identity and start the plan; anyone else finds them by exact lookup first.
    if not facts.registered_person:
        return Decision.deny(Denial.NO_RELATIONSHIP)
    if section is None and action in REGISTERED_ACTIONS:
        return Decision.allow(Basis.REGISTERED)
    return Decision.deny(Denial.NO_PLAN)


def decide_identity(facts: AccessFacts, section_keys: list[str]) -> Decision:
    """Seeing anything of a person includes seeing who they are; nothing means 404."""
    overall = decide(facts, None, Action.VIEW)
    if overall.permit:
        return overall
    for key in section_keys:
        decision = decide(facts, key, Action.VIEW)
        if decision.permit:
            return decision
    return overall


def can_see_person(facts: AccessFacts, section_keys: list[str]) -> bool:
    """Whether the person exists for this user at all (otherwise: 404, as if not there)."""
    return decide_identity(facts, section_keys).permit


def decide_role(has_role: bool) -> Decision:
    """Routes that are about a job, not a person (administration, IG): the role or nothing."""
    return Decision.allow("role") if has_role else Decision.deny(Denial.ROLE)
