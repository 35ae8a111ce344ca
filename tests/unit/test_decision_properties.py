"""Properties of the decision over random consents, refusals, agreements and clocks."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.access.context import AccessContext, AgreementFact, ConsentFact, MembershipFact
from careplan.access.permissions import Permission
from careplan.access.policy import decide_on
from tests.unit.test_decision import (
    MY_AGENCY,
    NOW,
    SENSITIVITY,
    TODAY,
    facts,
)

OTHER_AGENCY = uuid.UUID(int=77)
SECTIONS = sorted(SENSITIVITY)
days = st.integers(min_value=-60, max_value=60)


@st.composite
def consents(draw):
    cid = uuid.UUID(int=draw(st.integers(min_value=1000, max_value=10**9)))
    by_sector = draw(st.booleans())
    sections = draw(st.none() | st.sets(st.sampled_from(SECTIONS), min_size=1))
    start = TODAY + timedelta(days=draw(days))
    expires = draw(st.none() | days.map(lambda d: TODAY + timedelta(days=d)))
    return ConsentFact(
        id=cid,
        agency_id=None if by_sector else draw(st.sampled_from([MY_AGENCY, OTHER_AGENCY])),
        sector=draw(st.sampled_from(["statutory", "third_sector"])) if by_sector else None,
        sections=frozenset(sections) if sections else None,
        permit=draw(st.booleans()),
        starts_on=start,
        expires_on=expires,
        withdrawn=draw(st.booleans()),
    )


agreements = st.none() | st.builds(
    AgreementFact,
    id=st.just(uuid.UUID(int=5)),
    max_sensitivity=st.integers(1, 3),
    sections=st.none() | st.sets(st.sampled_from(SECTIONS), min_size=1).map(frozenset),
    valid_until=days.map(lambda d: TODAY + timedelta(days=d)),
)


@st.composite
def worlds(draw):
    member = MembershipFact(uuid.UUID(int=6), TODAY - timedelta(days=5), None, None)
    return facts(
        consents=draw(st.lists(consents(), max_size=6, unique_by=lambda c: c.id)),
        agreement=draw(agreements),
        memberships=(member,) if draw(st.booleans()) else (),
    )


def _mine(f: AccessContext) -> list[ConsentFact]:
    return list(f.consents_for_me)


def _active(c: ConsentFact) -> bool:
    return c.status(TODAY) == "active"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    worlds(),
    st.sampled_from(SECTIONS),
    st.sampled_from([Permission.SECTION_VIEW, Permission.SECTION_ADD_ENTRY]),
)
def test_never_wider_than_the_agreement(f, section, action):
    if decide_on(f, action, section).permit:
        a = f.agreement
        assert a is not None
        assert a.valid_until >= TODAY
        assert SENSITIVITY[section] <= a.max_sensitivity
        assert a.sections is None or section in a.sections


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from(SECTIONS))
def test_a_refusal_always_wins_over_consent(f, section):
    refused = any(not c.permit and c.covers(section) and _active(c) for c in _mine(f))
    decision = decide_on(f, Permission.SECTION_VIEW, section)
    if refused:
        assert not decision.permit
        assert decision.reason.startswith("refused:") or decision.reason in {
            "no_relationship",
            "no_agreement",
            "agreement_expired",
            "agreement_ceiling",
        }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from(SECTIONS))
def test_only_an_active_covering_consent_grants(f, section):
    decision = decide_on(f, Permission.SECTION_VIEW, section)
    if decision.permit:
        granted = str(decision.basis.ref)
        consent = next(c for c in f.consents if str(c.id) == granted)
        assert consent.permit
        assert _active(consent)
        assert consent.covers(section)
        assert consent in _mine(f)
        assert not consent.withdrawn


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from(SECTIONS), st.randoms())
def test_the_order_records_were_created_does_not_matter(f, section, rnd):
    shuffled = list(f.consents)
    rnd.shuffle(shuffled)
    other = dataclasses.replace(f, consents=tuple(shuffled))
    for action in (Permission.SECTION_VIEW, Permission.SECTION_ADD_ENTRY, Permission.SECTION_WRITE):
        assert decide_on(f, action, section) == decide_on(other, action, section)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from(SECTIONS), st.integers(min_value=1, max_value=400))
def test_time_passing_never_revives_an_expired_consent(f, section, later_days):
    later = dataclasses.replace(
        f, now=NOW + timedelta(days=later_days), today=TODAY + timedelta(days=later_days)
    )
    decision = decide_on(later, Permission.SECTION_VIEW, section)
    if decision.permit:
        consent = next(c for c in f.consents if c.id == decision.basis.ref)
        assert consent.expires_on is None or consent.expires_on >= later.today


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    worlds(),
    st.sampled_from(
        ["key_worker", "lead_agency", "registered", "key_worker_team", "team_leader", "cover"]
    ),
    st.booleans(),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=2),
)
def test_a_standing_tie_always_sees_the_person(world, tie, closed, glass_hours):
    """Searches count and page a practitioner's standing people in SQL
    (consent.visibility.standing_clause): key worker, lead agency (open or closed plan), or
    registered with no plan yet. The policy must let them see each such person whatever
    the consents, refusals, agreement, care team or emergency access say; otherwise a
    search would count someone it cannot show."""
    from careplan.access.context import BreakGlassFact, CoverFact, TeamFact
    from careplan.access.policy import can_see_person
    from tests.unit.test_decision import KW, LEAD, PLAN

    subject = world.subject
    plan = PLAN
    if closed:
        plan = type(PLAN)(**{**vars(PLAN), "closed_on": TODAY - timedelta(days=1)})
    if tie == "key_worker":
        world = dataclasses.replace(world, subject=dataclasses.replace(subject, id=KW), plan=plan)
    elif tie == "lead_agency":
        world = dataclasses.replace(
            world, subject=dataclasses.replace(subject, agency_id=LEAD), plan=plan
        )
    elif tie in ("key_worker_team", "team_leader"):
        # Issue 22: in a lead agency organised in teams, the key worker's team and its
        # leaders (consent.visibility._lead_agency).
        team = frozenset({uuid.UUID(int=700)})
        led = team if tie == "team_leader" else frozenset()
        world = dataclasses.replace(
            world,
            subject=dataclasses.replace(subject, agency_id=LEAD),
            plan=plan,
            teams=TeamFact(True, team, led),
        )
    elif tie == "cover":
        cover = CoverFact(uuid.UUID(int=701), TODAY - timedelta(days=1), TODAY)
        world = dataclasses.replace(world, plan=plan, covers=(cover,))
    else:
        world = dataclasses.replace(world, plan=None, registered_person=True)
    glass = tuple(
        BreakGlassFact(uuid.UUID(int=900 + i), NOW - timedelta(hours=4), NOW + timedelta(hours=h))
        for i, h in enumerate(glass_hours)
    )
    world = dataclasses.replace(world, break_glass=glass)
    assert can_see_person(world)


@dataclasses.dataclass(frozen=True)
class _PlainPlan:
    """A plan as read-only views load it: a frozen row (careplan.plans.rows.PlanRow)."""

    key_worker_id: uuid.UUID
    lead_agency_id: uuid.UUID
    closed_on: object = None


QUESTIONS = [
    (Permission.SECTION_VIEW, True),
    (Permission.SECTION_WRITE, True),
    (Permission.SECTION_ADD_ENTRY, True),
    (Permission.PLAN_VIEW, False),
    (Permission.PLAN_HAND_OVER, False),
    (Permission.PERSON_CONSENTS_VIEW, False),
    (Permission.PLAN_CARE_TEAM_VIEW, False),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.randoms(), st.booleans())
def test_the_ties_kept_for_a_plain_plan_decide_as_walking_them_again(f, rnd, lead):
    """A context over a frozen plan row keeps what the ties answered for each section
    (`AccessContext.tie_memo`, for the page's many questions); every decision on it, in
    any order and asked again, is the one a context that keeps nothing gives."""
    plan = f.plan
    lead_agency = MY_AGENCY if lead else plan.lead_agency_id
    plain = _PlainPlan(plan.key_worker_id, lead_agency, plan.closed_on)
    kept = dataclasses.replace(f, plan=plain)
    fresh = dataclasses.replace(f, plan=SimpleNamespace(**dataclasses.asdict(plain)))
    assert kept.tie_memo == {}
    assert fresh.tie_memo is None
    asked = {(p, s if on_section else None) for p, on_section in QUESTIONS for s in SECTIONS}
    asked = sorted(asked, key=str) * 2
    rnd.shuffle(asked)
    for permission, section in asked:
        assert decide_on(kept, permission, section) == decide_on(fresh, permission, section)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    worlds(),
    st.sampled_from(["care_team", "key_worker", "lead_agency", "person", "inactive", "ig"]),
    st.booleans(),
    st.sampled_from(
        [Permission.SECTION_VIEW, Permission.SECTION_WRITE, Permission.SECTION_ADD_ENTRY]
    ),
    st.lists(st.sampled_from(SECTIONS), max_size=4),
)
def test_every_sections_decision_at_once_is_each_asked_alone(f, who, closed, permission, keys):
    """`section_decisions` settles the rules before the ties once for all the sections
    (the plan page asks them for each care-team agency): each answer is the one `decide`
    gives that section alone, for anyone (the person, whose own voice is per section,
    a deactivated account, a role with no plan content), open or closed plan."""
    from careplan.access.policy import section_decisions
    from careplan.access.subject import Role
    from tests.unit.test_decision import KW, LEAD, PLAN

    subject = f.subject
    plan = PLAN
    if closed:
        plan = type(PLAN)(**{**vars(PLAN), "closed_on": TODAY - timedelta(days=1)})
    if who == "key_worker":
        subject = dataclasses.replace(subject, id=KW)
    elif who == "lead_agency":
        subject = dataclasses.replace(subject, agency_id=LEAD)
    elif who == "person":
        subject = dataclasses.replace(
            subject, is_individual=True, roles=frozenset(), person_id=f.person.id
        )
    elif who == "inactive":
        subject = dataclasses.replace(subject, active=False)
    elif who == "ig":
        subject = dataclasses.replace(subject, roles=frozenset({Role.IG_OFFICER}))
    # The person writes some sections themselves (their own voice), not others.
    writes = frozenset(SECTIONS[::2])
    world = dataclasses.replace(f, subject=subject, plan=plan, person_writes=writes)
    for wanted in (None, keys, iter(keys)):
        alone = {
            key: decide_on(world, permission, key)
            for key in (world.sensitivity if wanted is None else keys)
        }
        assert section_decisions(world, permission, wanted) == alone
