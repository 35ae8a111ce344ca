"""The access decision: one pure function, deny by default, always saying why.

`decide(facts, section, action)` answers for one user, one person and one section (or the
plan as a whole when `section` is None). It does no I/O: `consent.facts` loads everything
it needs in a fixed number of queries, so a whole plan costs the same however many
sections and consents there are. Pages and the API both ask it; nothing else decides.

The order of the rules is the policy:
1. the person themselves sees their whole plan; IG officers and administrators see none;
2. the key worker may do everything (a refusal does not bind the person's key worker);
3. a refusal ("never share X with Y") beats every other permit for that section;
4. lead agency staff read every section;
5. break-glass: an emergency opens sections up to the agreement ceiling, read only;
6. otherwise: a legitimate relationship (care team, added or claimed), an agreement in
   force allowing the section, and an active consent covering agency and section.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from consent.facts import AccessFacts, ConsentFact


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
    EXPORT = "export"  # subject access: everything held about the person
    CLOSE_PLAN = "close_plan"


class Basis(enum.StrEnum):
    KEY_WORKER = "key_worker"
    LEAD_AGENCY = "lead_agency"
    SELF = "self"
    REGISTERED = "registered"  # registered the person, who has no plan yet
    CONSENT = "consent"  # written consent:<id>
    BREAK_GLASS = "breakglass"  # written breakglass:<id>


class Denial(enum.StrEnum):
    ROLE = "role"
    NO_RELATIONSHIP = "no_relationship"
    NO_CONSENT = "no_consent"
    REFUSED = "refused"  # written refused:<consent id>
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    NO_AGREEMENT = "no_agreement"
    AGREEMENT_CEILING = "agreement_ceiling"
    AGREEMENT_EXPIRED = "agreement_expired"
    READ_ONLY = "read_only"
    NO_PLAN = "no_plan"
    HAS_PLAN = "has_plan"
    CLOSED = "closed"


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


# What each basis lets its holder do; anything not listed is denied.
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
        Action.EXPORT,
        Action.VIEW,
        Action.VIEW_CARE_TEAM,
        Action.VIEW_CONSENTS,
        Action.RECORD_CONSENT,
        Action.VIEW_ACCESS_LOG,
    }
)
CONSENT_ACTIONS = frozenset({Action.VIEW, Action.ADD_ENTRY})
BREAK_GLASS_ACTIONS = frozenset({Action.VIEW})
# What a closed plan no longer allows: it is kept, read-only, until retention erases it.
CHANGES = frozenset(
    {
        Action.UPDATE,
        Action.ADD_ENTRY,
        Action.MANAGE_CARE_TEAM,
        Action.HAND_OVER,
        Action.LINK_ACCOUNT,
        Action.CLOSE_PLAN,
    }
)
# Plan-level actions open to anyone who may see at least one section.
ANY_SECTION_ACTIONS = frozenset({Action.VIEW, Action.VIEW_CARE_TEAM})
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
    if action in CHANGES and facts.plan.closed_on is not None:
        return Decision.deny(Denial.CLOSED)
    if facts.is_key_worker:
        return Decision.allow(Basis.KEY_WORKER)
    if section is None:
        return _decide_plan_level(facts, action)
    return _decide_section(facts, section, action)


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


def _decide_plan_level(facts: AccessFacts, action: Action) -> Decision:
    if facts.in_lead_agency:
        if action in LEAD_AGENCY_ACTIONS:
            return Decision.allow(Basis.LEAD_AGENCY)
        return Decision.deny(Denial.READ_ONLY)
    seen = _first_permitted(facts)
    if not seen.permit:
        return seen
    return seen if action in ANY_SECTION_ACTIONS else Decision.deny(Denial.READ_ONLY)


def _first_permitted(facts: AccessFacts) -> Decision:
    """The first section (catalogue order) this user may view, or the first denial."""
    first_denial = Decision.deny(Denial.NO_RELATIONSHIP)
    for index, key in enumerate(facts.sensitivity):
        decision = _decide_section(facts, key, Action.VIEW)
        if decision.permit:
            return decision
        if index == 0:
            first_denial = decision
    return first_denial


def _decide_section(facts: AccessFacts, section: str, action: Action) -> Decision:
    mine = facts.consents_for_me
    refusal = _pick(
        c for c in mine if not c.permit and c.covers(section) and c.status(facts.today) == "active"
    )
    if facts.in_lead_agency:
        if refusal is not None:
            return Decision.deny(f"{Denial.REFUSED}:{refusal.id}")
        if action in LEAD_AGENCY_ACTIONS:
            return Decision.allow(Basis.LEAD_AGENCY)
        return Decision.deny(Denial.READ_ONLY)
    agreement_problem = _agreement_problem(facts, section)
    emergency = facts.active_break_glass
    if emergency is not None:
        # An emergency overrides consent and refusal, within the agreement, visibly.
        if agreement_problem is not None:
            return Decision.deny(agreement_problem)
        if action in BREAK_GLASS_ACTIONS:
            return Decision.allow(f"{Basis.BREAK_GLASS}:{emergency.id}")
        return Decision.deny(Denial.READ_ONLY)
    if not facts.in_care_team:
        return Decision.deny(Denial.NO_RELATIONSHIP)
    if agreement_problem is not None:
        return Decision.deny(agreement_problem)
    if refusal is not None:
        return Decision.deny(f"{Denial.REFUSED}:{refusal.id}")
    covering = [c for c in mine if c.permit and c.covers(section)]
    granted = _pick(c for c in covering if c.status(facts.today) == "active")
    if granted is None:
        return Decision.deny(_why_no_consent(covering, facts))
    if action in CONSENT_ACTIONS:
        return Decision.allow(f"{Basis.CONSENT}:{granted.id}")
    return Decision.deny(Denial.READ_ONLY)


def _pick(candidates: Iterator[ConsentFact]) -> ConsentFact | None:
    # The lowest id, not the first created, so the answer does not depend on record
    # order: the candidates come from `facts.consents_for_me`, which is in id order.
    return next(candidates, None)


def _why_no_consent(covering: list[ConsentFact], facts: AccessFacts) -> str:
    statuses = {c.status(facts.today) for c in covering}
    if "withdrawn" in statuses:
        return Denial.WITHDRAWN
    if "expired" in statuses:
        return Denial.EXPIRED
    return Denial.NO_CONSENT


def _agreement_problem(facts: AccessFacts, section: str) -> str | None:
    agreement = facts.agreement
    if agreement is None:
        return Denial.NO_AGREEMENT
    if agreement.valid_until < facts.today:
        return Denial.AGREEMENT_EXPIRED
    too_sensitive = facts.sensitivity.get(section, 99) > agreement.max_sensitivity
    if too_sensitive or (agreement.sections is not None and section not in agreement.sections):
        return Denial.AGREEMENT_CEILING
    return None


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
