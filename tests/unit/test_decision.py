"""The access decision as a pure function: every basis against every section and action.

Sections: a standard one (housing), a sensitive one (substance_use), a restricted one
(safety). The user's agency agreement allows up to "sensitive" unless a case says otherwise.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from consent.decision import Action, decide
from consent.facts import (
    AccessFacts,
    AgreementFact,
    BreakGlassFact,
    ConsentFact,
    MembershipFact,
)

NOW = datetime(2026, 11, 23, 12, 0)
TODAY = NOW.date()
SENSITIVITY = {"housing": 1, "substance_use": 2, "safety": 3}
ME, MY_AGENCY, LEAD, KW = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
PERSON = SimpleNamespace(id=uuid.UUID(int=9))
PLAN = SimpleNamespace(key_worker_id=KW, lead_agency_id=LEAD, closed_on=None)
C1, C2, BG = uuid.UUID(int=101), uuid.UUID(int=102), uuid.UUID(int=201)


def consent(
    cid=C1,
    *,
    sections=None,
    permit=True,
    agency=MY_AGENCY,
    sector=None,
    starts=TODAY - timedelta(days=30),
    expires=TODAY + timedelta(days=30),
    withdrawn=False,
):
    return ConsentFact(
        cid,
        agency if sector is None else None,
        sector,
        frozenset(sections) if sections else None,
        permit,
        starts,
        expires,
        withdrawn,
    )


MEMBER = MembershipFact(uuid.UUID(int=301), TODAY - timedelta(days=10), None, None)
ENDED = MembershipFact(
    uuid.UUID(int=302), TODAY - timedelta(days=10), None, NOW - timedelta(minutes=1)
)
AGREEMENT = AgreementFact(uuid.UUID(int=401), 2, None, TODAY + timedelta(days=365))
EXPIRED_AGREEMENT = AgreementFact(uuid.UUID(int=402), 2, None, TODAY - timedelta(days=1))
NARROW_AGREEMENT = AgreementFact(
    uuid.UUID(int=403), 3, frozenset({"housing"}), TODAY + timedelta(days=365)
)
GLASS = BreakGlassFact(BG, NOW - timedelta(hours=1), NOW + timedelta(hours=3))
OLD_GLASS = BreakGlassFact(BG, NOW - timedelta(hours=5), NOW - timedelta(hours=1))


def facts(
    *,
    user=ME,
    agency=MY_AGENCY,
    sector="statutory",
    individual=False,
    practitioner=True,
    is_self=False,
    plan=PLAN,
    memberships=(MEMBER,),
    consents=(),
    agreement=AGREEMENT,
    glass=(),
):
    return AccessFacts(
        user_id=user,
        user_agency_id=agency,
        user_sector=sector,
        is_individual=individual,
        is_practitioner=practitioner,
        is_self=is_self,
        person=PERSON,
        plan=plan,
        registered_person=False,
        now=NOW,
        today=TODAY,
        sensitivity=SENSITIVITY,
        memberships=memberships,
        consents=tuple(consents),
        agreement=agreement,
        break_glass=tuple(glass),
    )


CONSENTED = {"consents": [consent()]}
# basis name -> facts, and the expected (view, update, add_entry) per section.
P, D = "permit", "deny"
CASES = {
    "key_worker": (facts(user=KW, memberships=()), {s: ("key_worker",) * 3 for s in SENSITIVITY}),
    "lead_agency": (
        facts(agency=LEAD, memberships=()),
        {s: ("lead_agency", "read_only", "lead_agency") for s in SENSITIVITY},
    ),
    "consented_member": (
        facts(**CONSENTED),
        {
            "housing": (f"consent:{C1}", "read_only", f"consent:{C1}"),
            "substance_use": (f"consent:{C1}", "read_only", f"consent:{C1}"),
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "consented_not_member": (
        facts(memberships=(), **CONSENTED),
        {s: ("no_relationship",) * 3 for s in SENSITIVITY},
    ),
    "ended_membership": (
        facts(memberships=(ENDED,), **CONSENTED),
        {s: ("no_relationship",) * 3 for s in SENSITIVITY},
    ),
    "expired_agreement": (
        facts(agreement=EXPIRED_AGREEMENT, **CONSENTED),
        {s: ("agreement_expired",) * 3 for s in SENSITIVITY},
    ),
    "no_agreement": (
        facts(agreement=None, **CONSENTED),
        {s: ("no_agreement",) * 3 for s in SENSITIVITY},
    ),
    "narrow_agreement": (
        facts(agreement=NARROW_AGREEMENT, **CONSENTED),
        {
            "housing": (f"consent:{C1}", "read_only", f"consent:{C1}"),
            "substance_use": ("agreement_ceiling",) * 3,
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "consented_sector": (
        facts(consents=[consent(sector="statutory", agency=None)]),
        {
            "housing": (f"consent:{C1}", "read_only", f"consent:{C1}"),
            "substance_use": (f"consent:{C1}", "read_only", f"consent:{C1}"),
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "other_sector": (
        facts(consents=[consent(sector="third_sector", agency=None)]),
        {
            "housing": ("no_consent",) * 3,
            "substance_use": ("no_consent",) * 3,
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "section_not_covered": (
        facts(consents=[consent(sections={"housing"})]),
        {
            "housing": (f"consent:{C1}", "read_only", f"consent:{C1}"),
            "substance_use": ("no_consent",) * 3,
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "refused": (
        facts(consents=[consent(), consent(C2, permit=False, sections={"substance_use"})]),
        {
            "housing": (f"consent:{C1}", "read_only", f"consent:{C1}"),
            "substance_use": (f"refused:{C2}",) * 3,
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "refused_lead_agency": (
        facts(
            agency=LEAD,
            memberships=(),
            consents=[consent(C2, permit=False, agency=LEAD, sections={"substance_use"})],
        ),
        {
            "housing": ("lead_agency", "read_only", "lead_agency"),
            "substance_use": (f"refused:{C2}",) * 3,
            "safety": ("lead_agency", "read_only", "lead_agency"),
        },
    ),
    "refused_key_worker": (
        facts(user=KW, agency=LEAD, consents=[consent(C2, permit=False, agency=LEAD)]),
        {s: ("key_worker",) * 3 for s in SENSITIVITY},
    ),
    "expired": (
        facts(consents=[consent(expires=TODAY - timedelta(days=1))]),
        {
            "housing": ("expired",) * 3,
            "substance_use": ("expired",) * 3,
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "not_started": (
        facts(consents=[consent(starts=TODAY + timedelta(days=1))]),
        {
            "housing": ("no_consent",) * 3,
            "substance_use": ("no_consent",) * 3,
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "withdrawn": (
        facts(consents=[consent(withdrawn=True)]),
        {
            "housing": ("withdrawn",) * 3,
            "substance_use": ("withdrawn",) * 3,
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "break_glass": (
        facts(memberships=(), glass=[GLASS]),
        {
            "housing": (f"breakglass:{BG}", "read_only", "read_only"),
            "substance_use": (f"breakglass:{BG}", "read_only", "read_only"),
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "break_glass_over_refusal": (
        facts(glass=[GLASS], consents=[consent(permit=False)]),
        {
            "housing": (f"breakglass:{BG}", "read_only", "read_only"),
            "substance_use": (f"breakglass:{BG}", "read_only", "read_only"),
            "safety": ("agreement_ceiling",) * 3,
        },
    ),
    "break_glass_expired": (
        facts(memberships=(), glass=[OLD_GLASS]),
        {s: ("no_relationship",) * 3 for s in SENSITIVITY},
    ),
    "no_relationship": (facts(memberships=()), {s: ("no_relationship",) * 3 for s in SENSITIVITY}),
    "the_person": (
        facts(individual=True, practitioner=False, is_self=True, agency=None, memberships=()),
        {s: ("self", "role", "role") for s in SENSITIVITY},
    ),
    "another_individual": (
        facts(individual=True, practitioner=False, agency=None, memberships=()),
        {s: ("no_relationship",) * 3 for s in SENSITIVITY},
    ),
    "ig_officer": (facts(practitioner=False, **CONSENTED), {s: ("role",) * 3 for s in SENSITIVITY}),
    "admin": (
        facts(practitioner=False, agency=None, memberships=()),
        {s: ("role",) * 3 for s in SENSITIVITY},
    ),
}
ACTIONS = (Action.VIEW, Action.UPDATE, Action.ADD_ENTRY)
MATRIX = [
    (case, section, action, expected[section][i])
    for case, (_, expected) in CASES.items()
    for section in SENSITIVITY
    for i, action in enumerate(ACTIONS)
]


@pytest.mark.parametrize(
    ("case", "section", "action", "expected"), MATRIX, ids=[f"{c}-{s}-{a}" for c, s, a, _ in MATRIX]
)
def test_decision_matrix(case, section, action, expected):
    decision = decide(CASES[case][0], section, action)
    if decision.permit:
        assert decision.basis == expected
    else:
        assert decision.reason == expected


@pytest.mark.parametrize(
    ("case", "action", "expected"),
    [
        ("consented_member", Action.VIEW, f"consent:{C1}"),
        ("consented_member", Action.VIEW_CARE_TEAM, f"consent:{C1}"),
        ("consented_member", Action.MANAGE_CARE_TEAM, "read_only"),
        ("consented_member", Action.VIEW_CONSENTS, "read_only"),
        ("consented_member", Action.HAND_OVER, "read_only"),
        ("break_glass", Action.VIEW, f"breakglass:{BG}"),
        ("break_glass", Action.RECORD_CONSENT, "read_only"),
        ("lead_agency", Action.HAND_OVER, "lead_agency"),
        ("lead_agency", Action.RECORD_CONSENT, "read_only"),
        ("lead_agency", Action.LINK_ACCOUNT, "read_only"),
        ("key_worker", Action.RECORD_CONSENT, "key_worker"),
        ("key_worker", Action.CREATE_PLAN, "has_plan"),
        ("the_person", Action.RECORD_CONSENT, "self"),
        ("the_person", Action.VIEW_ACCESS_LOG, "self"),
        ("the_person", Action.HAND_OVER, "role"),
        ("no_relationship", Action.VIEW, "no_relationship"),
        ("other_sector", Action.VIEW, "no_consent"),
        ("ig_officer", Action.VIEW_CONSENTS, "role"),
    ],
)
def test_plan_level_actions(case, action, expected):
    decision = decide(CASES[case][0], None, action)
    assert (decision.basis if decision.permit else decision.reason) == expected


def test_no_plan_yet_only_registering_practitioner():
    mine = facts(plan=None, memberships=())
    mine = AccessFacts(**{**mine.__dict__, "registered_person": True})
    assert decide(mine, None, Action.CREATE_PLAN).basis == "registered"
    assert decide(mine, "housing", Action.VIEW).reason == "no_plan"
    theirs = facts(plan=None, memberships=())
    assert decide(theirs, None, Action.VIEW).reason == "no_relationship"


def test_membership_window():
    future = MembershipFact(uuid.UUID(int=303), TODAY + timedelta(days=1), None, None)
    over = MembershipFact(uuid.UUID(int=304), date(2025, 1, 1), TODAY - timedelta(days=1), None)
    for member in (future, over):
        assert (
            decide(facts(memberships=(member,), **CONSENTED), "housing", Action.VIEW).reason
            == "no_relationship"
        )
