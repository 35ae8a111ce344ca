"""The team and cover ties as pure policy (issue 22): what each basis allows, and when it
does not hold.

Where the lead agency is organised in teams, the lead-agency basis narrows to the key
worker's team (`key_worker_team`) and its leaders (`team_leader`, read only); a colleague
covering the key worker's absence (`cover:<id>`) sees what the key worker sees for those
dates. An agency with no teams keeps the lead-agency rule.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest

from careplan.access.context import CoverFact, TeamFact
from careplan.access.permissions import Permission
from careplan.access.policy import can_see_person, decide_on
from tests.unit.test_decision import LEAD, SENSITIVITY, TODAY, consent, facts

TEAM = uuid.UUID(int=700)
COVER = CoverFact(uuid.UUID(int=701), TODAY - timedelta(days=2), TODAY + timedelta(days=2))


def in_lead(teams=None, **kw):
    return dataclasses.replace(facts(agency=LEAD, memberships=(), **kw), teams=teams)


MEMBER = TeamFact(True, frozenset({TEAM}), frozenset())
LEADER = TeamFact(True, frozenset({TEAM}), frozenset({TEAM}))
OTHER_TEAM = TeamFact(True, frozenset(), frozenset())
NO_TEAMS = TeamFact(False)

# basis -> (context, {permission: expected basis or denial}) for every section.
SECTION_CASES = {
    "no_teams": (in_lead(NO_TEAMS), ("lead_agency", "read_only", "lead_agency")),
    "key_worker_team": (in_lead(MEMBER), ("key_worker_team", "read_only", "key_worker_team")),
    "team_leader": (in_lead(LEADER), ("team_leader", "read_only", "read_only")),
    "other_team": (in_lead(OTHER_TEAM), ("no_relationship",) * 3),
    "cover": (
        dataclasses.replace(facts(memberships=()), covers=(COVER,)),
        (f"cover:{COVER.id}", "read_only", f"cover:{COVER.id}"),
    ),
}
ACTIONS = (Permission.SECTION_VIEW, Permission.SECTION_WRITE, Permission.SECTION_ADD_ENTRY)


def _said(decision):
    return decision.basis_text if decision.permit else decision.reason


@pytest.mark.parametrize("case", sorted(SECTION_CASES))
@pytest.mark.parametrize("section", sorted(SENSITIVITY))
def test_sections_by_basis(case, section):
    context, expected = SECTION_CASES[case]
    assert tuple(_said(decide_on(context, a, section)) for a in ACTIONS) == expected


LA, KT, TL, RO = "lead_agency", "key_worker_team", "team_leader", "read_only"
CV = f"cover:{COVER.id}"
PLAN_EXPECTED = {
    # view, hand over, care team view, care team add, record agreement, consents, access log
    "no_teams": (LA, LA, LA, LA, RO, LA, RO),
    "key_worker_team": (KT, KT, KT, KT, RO, KT, RO),
    "team_leader": (TL, RO, TL, RO, RO, RO, RO),
    "other_team": ("no_relationship",) * 7,
    "cover": (CV, RO, CV, RO, RO, CV, RO),
}
PLAN_ACTIONS = (
    Permission.PLAN_VIEW,
    Permission.PLAN_HAND_OVER,
    Permission.PLAN_CARE_TEAM_VIEW,
    Permission.PLAN_CARE_TEAM_MANAGE,
    Permission.PLAN_AGREEMENT_RECORD,
    Permission.PERSON_CONSENTS_VIEW,
    Permission.PERSON_ACCESS_LOG_VIEW,
)


@pytest.mark.parametrize("case", sorted(PLAN_EXPECTED))
def test_plan_and_person_by_basis(case):
    context = SECTION_CASES[case][0]
    said = tuple(_said(decide_on(context, a)) for a in PLAN_ACTIONS)
    assert said == PLAN_EXPECTED[case]


def test_a_colleague_in_another_team_finds_nobody():
    assert not can_see_person(in_lead(OTHER_TEAM))
    assert can_see_person(in_lead(MEMBER))
    assert can_see_person(in_lead(LEADER))


def test_an_agency_without_teams_keeps_the_lead_agency_rule():
    # Loaded (no teams) or not loaded at all: the same answer as before issue 22.
    for teams in (NO_TEAMS, None):
        assert _said(decide_on(in_lead(teams), Permission.SECTION_VIEW, "safety")) == "lead_agency"


def test_only_the_key_worker_records_the_persons_agreement():
    key_worker = facts(user=uuid.UUID(int=4), memberships=())
    assert decide_on(key_worker, Permission.PLAN_AGREEMENT_RECORD).permit


@pytest.mark.parametrize(
    ("starts", "ends", "ended", "holds"),
    [
        (-2, 2, False, True),
        (0, 0, False, True),  # a single day, today
        (1, 5, False, False),  # not started
        (-5, -1, False, False),  # over
        (-2, 2, True, False),  # stopped early
    ],
)
def test_cover_holds_only_for_its_dates(starts, ends, ended, holds):
    cover = CoverFact(
        uuid.UUID(int=702), TODAY + timedelta(days=starts), TODAY + timedelta(days=ends), ended
    )
    context = dataclasses.replace(facts(memberships=()), covers=(cover,))
    assert decide_on(context, Permission.SECTION_VIEW, "housing").permit is holds
    assert can_see_person(context) is holds


@pytest.mark.parametrize("case", ["key_worker_team", "team_leader", "cover"])
def test_a_refusal_beats_team_and_cover(case):
    refusal = consent(sections=["housing"], permit=False, agency=LEAD)
    context = SECTION_CASES[case][0]
    context = dataclasses.replace(
        context,
        subject=dataclasses.replace(context.subject, agency_id=LEAD),
        consents=(refusal,),
    )
    assert decide_on(context, Permission.SECTION_VIEW, "housing").reason == f"refused:{refusal.id}"
    assert decide_on(context, Permission.SECTION_VIEW, "safety").permit  # not refused


@pytest.mark.parametrize("case", ["key_worker_team", "team_leader", "cover"])
def test_a_closed_plan_is_read_only_for_team_and_cover(case):
    context = SECTION_CASES[case][0]
    plan = SimpleNamespace(**{**vars(context.plan), "closed_on": TODAY})
    closed = dataclasses.replace(context, plan=plan)
    assert decide_on(closed, Permission.SECTION_VIEW, "housing").permit
    assert decide_on(closed, Permission.SECTION_ADD_ENTRY, "housing").reason == "closed"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no_teams", "lead_agency"),
        ("key_worker_team", "key_worker_team"),
        ("team_leader", "team_leader"),
        ("other_team", None),
        ("cover", f"cover:{COVER.id}"),
    ],
)
def test_a_referral_follows_the_same_narrowing(case, expected):
    """Issue 19's referrals are opened on the referrer's side by the key worker and lead
    agency: where the lead agency has teams, by the key worker's team only (issue 22)."""
    from careplan.access.context import ReferralFact
    from careplan.access.policy import referral_basis

    context = SECTION_CASES[case][0]
    referral = ReferralFact(
        uuid.UUID(int=800), context.person.id, uuid.UUID(int=801), uuid.UUID(int=802)
    )
    basis = referral_basis(context, referral)
    assert (str(basis) if basis is not None else None) == expected
