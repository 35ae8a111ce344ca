"""The access decision as a pure function: every basis against every section and action.

Sections: a standard one (housing), a sensitive one (substance_use), a restricted one
(safety). The user's agency agreement allows up to "sensitive" unless a case says otherwise.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from careplan.access.context import (
    AccessContext,
    AgreementFact,
    BreakGlassFact,
    ConsentFact,
    MembershipFact,
)
from careplan.access.permissions import Permission
from careplan.access.policy import decide_on
from careplan.access.subject import Role, Subject

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
    if individual:
        roles = frozenset()
    else:
        roles = frozenset({Role.PRACTITIONER} if practitioner else {Role.IG_OFFICER})
    return AccessContext(
        subject=Subject(
            id=user,
            is_individual=individual,
            roles=roles,
            agency_id=agency,
            sector=sector,
            person_id=(PERSON.id if is_self else uuid.UUID(int=8)) if individual else None,
        ),
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
        # The person writes only the sections the catalogue marks `person_writes` (none
        # here: tests/access/test_rules.py has the person's own voice).
        {s: ("self", "read_only", "read_only") for s in SENSITIVITY},
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
ACTIONS = (Permission.SECTION_VIEW, Permission.SECTION_WRITE, Permission.SECTION_ADD_ENTRY)
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
    decision = decide_on(CASES[case][0], action, section)
    if decision.permit:
        assert decision.basis_text == expected
    else:
        assert decision.reason == expected


@pytest.mark.parametrize(
    ("case", "action", "expected"),
    [
        ("consented_member", Permission.PLAN_VIEW, f"consent:{C1}"),
        ("consented_member", Permission.PLAN_CARE_TEAM_VIEW, f"consent:{C1}"),
        ("consented_member", Permission.PLAN_CARE_TEAM_MANAGE, "read_only"),
        ("consented_member", Permission.PERSON_CONSENTS_VIEW, "read_only"),
        ("consented_member", Permission.PLAN_HAND_OVER, "read_only"),
        ("break_glass", Permission.PLAN_VIEW, f"breakglass:{BG}"),
        ("break_glass", Permission.PERSON_CONSENT_RECORD, "read_only"),
        ("lead_agency", Permission.PLAN_HAND_OVER, "lead_agency"),
        ("lead_agency", Permission.PERSON_CONSENT_RECORD, "read_only"),
        ("lead_agency", Permission.PERSON_ACCOUNT_LINK, "read_only"),
        ("key_worker", Permission.PERSON_CONSENT_RECORD, "key_worker"),
        ("key_worker", Permission.PLAN_CREATE, "has_plan"),
        ("the_person", Permission.PERSON_CONSENT_RECORD, "self"),
        ("the_person", Permission.PERSON_ACCESS_LOG_VIEW, "self"),
        ("the_person", Permission.PLAN_HAND_OVER, "role"),
        ("no_relationship", Permission.PLAN_VIEW, "no_relationship"),
        ("other_sector", Permission.PLAN_VIEW, "no_consent"),
        ("ig_officer", Permission.PERSON_CONSENTS_VIEW, "role"),
    ],
)
def test_plan_level_actions(case, action, expected):
    decision = decide_on(CASES[case][0], action)
    assert (decision.basis_text if decision.permit else decision.reason) == expected


def test_no_plan_yet_only_registering_practitioner():
    mine = facts(plan=None, memberships=())
    mine = dataclasses.replace(mine, registered_person=True)
    assert decide_on(mine, Permission.PLAN_CREATE).basis_text == "registered"
    assert decide_on(mine, Permission.SECTION_VIEW, "housing").reason == "no_plan"
    theirs = facts(plan=None, memberships=())
    assert decide_on(theirs, Permission.PLAN_VIEW).reason == "no_relationship"


def test_membership_window():
    future = MembershipFact(uuid.UUID(int=303), TODAY + timedelta(days=1), None, None)
    over = MembershipFact(uuid.UUID(int=304), date(2025, 1, 1), TODAY - timedelta(days=1), None)
    for member in (future, over):
        assert (
            decide_on(
                facts(memberships=(member,), **CONSENTED), Permission.SECTION_VIEW, "housing"
            ).reason
            == "no_relationship"
        )
