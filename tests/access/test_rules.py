"""The rule tables: every basis is allowed exactly what its table lists, and nothing else.

Deny by default holds for every basis, the key worker's included: a permission that no
table lists for a basis is refused to it, so a permission added for a new kind of record
is granted to nobody until a row says so.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest

from careplan.access import rules
from careplan.access.context import AccessContext
from careplan.access.decision import BasisKind, DenialKind
from careplan.access.permissions import DIRECTORY, JOB, Permission, ResourceType, resource_for
from careplan.access.policy import decide, decide_on
from careplan.access.subject import Role, Subject
from tests.unit.test_decision import (
    C1,
    CONSENTED,
    GLASS,
    KW,
    LEAD,
    MEMBER,
    NOW,
    PLAN,
    SENSITIVITY,
    facts,
)

OPEN = {"agreement": dataclasses.replace(facts().agreement, max_sensitivity=3)}
# One context per basis that reaches the person, with what it should be called.
BASES = {
    BasisKind.KEY_WORKER: facts(user=KW, agency=LEAD, memberships=()),
    BasisKind.LEAD_AGENCY: facts(agency=LEAD, memberships=()),
    BasisKind.CONSENT: facts(**CONSENTED, **OPEN),
    BasisKind.BREAK_GLASS: facts(memberships=(), glass=[GLASS], **OPEN),
    # A warm hand-over: the previous key worker's read-only place (issue 20).
    BasisKind.HANDED_OVER: facts(
        memberships=(dataclasses.replace(MEMBER, warm_hand_over=True),), **OPEN
    ),
    # The person writes the sections the catalogue marks `person_writes`: here, all of them,
    # so that the table alone decides (the narrowing has its own test below).
    BasisKind.SELF: dataclasses.replace(
        facts(individual=True, is_self=True, agency=None, memberships=()),
        person_writes=frozenset(SENSITIVITY),
    ),
}
RECORD_TYPES = (ResourceType.PERSON, ResourceType.PLAN, ResourceType.SECTION)


def _questions(kind):
    for permission in Permission:
        if permission.resource_type is not kind:
            continue
        keys = SENSITIVITY if kind is ResourceType.SECTION else (None,)
        for key in keys:
            yield permission, key


def test_every_table_row_is_of_its_own_resource_type():
    rules.check()


def test_every_permission_is_granted_somewhere():
    """A permission nobody holds is dead code or a forgotten row."""
    held = {p for table in rules.RECORDS.values() for ps in table.values() for p in ps}
    held |= {p for ps in rules.JOBS.values() for p in ps}
    held |= {p for table in rules.REFERENCE.values() for ps in table.values() for p in ps}
    assert set(Permission) == held


def _subject(roles=(), individual=False, active=True):
    return Subject(
        id=uuid.uuid4(),
        is_individual=individual,
        roles=frozenset(roles),
        agency_id=None if individual else uuid.uuid4(),
        person_id=uuid.uuid4() if individual else None,
        active=active,
    )


# The service directory (issue 19): reading it is any active account's, the person's
# included; keeping it is an administrator's or a directory manager's; a deactivated
# account is refused both.
DIRECTORY_CALLERS = {
    "practitioner": (_subject([Role.PRACTITIONER]), {"view"}),
    "ig officer": (_subject([Role.IG_OFFICER]), {"view"}),
    "administrator": (_subject([Role.ADMIN]), {"view", "manage"}),
    "directory manager": (_subject([Role.DIRECTORY_MANAGER]), {"view", "manage"}),
    "practitioner and directory manager": (
        _subject([Role.PRACTITIONER, Role.DIRECTORY_MANAGER]),
        {"view", "manage"},
    ),
    "the person": (_subject(individual=True), {"view"}),
    "deactivated administrator": (_subject([Role.ADMIN], active=False), set()),
}


@pytest.mark.parametrize("caller", list(DIRECTORY_CALLERS))
@pytest.mark.parametrize("verb", ["view", "manage"])
def test_the_directory_is_read_by_any_account_and_kept_by_its_managers(caller, verb):
    subject, allowed = DIRECTORY_CALLERS[caller]
    permission = Permission(f"directory:{verb}")
    decision = decide(AccessContext.for_job(subject, NOW, NOW.date()), DIRECTORY, permission)
    assert decision.permit is (verb in allowed)
    if decision.permit:
        expected = BasisKind.SIGNED_IN if verb == "view" else BasisKind.ROLE
        assert decision.basis.kind is expected
    else:
        assert decision.reason == "role"


@pytest.mark.parametrize("basis", list(BASES), ids=str)
@pytest.mark.parametrize("kind", RECORD_TYPES, ids=str)
def test_a_basis_is_allowed_exactly_what_its_table_lists(basis, kind):
    context = BASES[basis]
    listed = rules.RECORDS[kind].get(basis, frozenset())
    for permission, key in _questions(kind):
        decision = decide_on(context, permission, key)
        if permission is Permission.PLAN_CREATE:
            assert decision.reason in {"has_plan", "role"}  # there is a plan already
            continue
        assert decision.permit == (permission in listed), (basis, permission, key)
        if decision.permit:
            assert decision.basis.kind is basis


@pytest.mark.parametrize("basis", list(BASES), ids=str)
def test_a_permission_unlisted_for_a_basis_is_refused_to_it(basis, monkeypatch):
    """Take one permission out of a basis's table: that basis loses it, nothing else."""
    context = BASES[basis]
    table = dict(rules.SECTION)
    taken = Permission.SECTION_VIEW
    table[basis] = table[basis] - {taken}
    monkeypatch.setitem(rules.RECORDS, ResourceType.SECTION, table)
    decision = decide_on(context, taken, "housing")
    assert not decision.permit
    assert decision.denial.kind in {DenialKind.READ_ONLY, DenialKind.ROLE}


def test_the_key_worker_is_refused_what_their_table_does_not_list():
    # Before this policy the key worker was granted every action, listed or not.
    key_worker = BASES[BasisKind.KEY_WORKER]
    assert not decide_on(key_worker, Permission.PLAN_CREATE).permit
    unlisted = (
        set(Permission)
        - rules.PLAN[BasisKind.KEY_WORKER]
        - rules.PERSON[BasisKind.KEY_WORKER]
        - rules.SECTION[BasisKind.KEY_WORKER]
    )
    for permission in unlisted:
        if permission.resource_type in RECORD_TYPES:
            key = "housing" if permission.resource_type is ResourceType.SECTION else None
            assert not decide_on(key_worker, permission, key).permit, permission


def _subject(*roles, individual=False):
    return Subject(
        id=uuid.uuid4(),
        is_individual=individual,
        roles=frozenset(roles),
        agency_id=uuid.uuid4(),
        sector="statutory",
    )


@pytest.mark.parametrize(
    ("roles", "holds"),
    [
        ((Role.PRACTITIONER,), Role.PRACTITIONER),
        ((Role.IG_OFFICER,), Role.IG_OFFICER),
        ((Role.ADMIN,), Role.ADMIN),
        # A practitioner who is also an IG officer or administrator is not a practitioner
        # for the policy: those roles never reach people through relationships.
        ((Role.PRACTITIONER, Role.IG_OFFICER), Role.IG_OFFICER),
        ((Role.PRACTITIONER, Role.ADMIN), Role.ADMIN),
        ((), None),
    ],
)
def test_jobs_go_by_role_alone(roles, holds):
    context = AccessContext.for_job(_subject(*roles), NOW, NOW.date())
    for permission in Permission:
        if permission.resource_type is not ResourceType.JOB:
            continue
        decision = decide(context, JOB, permission)
        expected = holds is not None and permission in rules.JOBS[holds]
        assert decision.permit == expected, (roles, permission)
        if not decision.permit:
            assert decision.denial.kind is DenialKind.ROLE


def test_an_individual_holds_no_job():
    context = AccessContext.for_job(_subject(individual=True), NOW, NOW.date())
    for permission in rules.JOBS[Role.PRACTITIONER]:
        assert not decide(context, JOB, permission).permit


def test_staff_roles_without_a_relationship_see_no_plan_content():
    for role in (Role.IG_OFFICER, Role.ADMIN):
        context = dataclasses.replace(
            facts(**CONSENTED), subject=dataclasses.replace(_subject(role), agency_id=LEAD)
        )
        for kind in RECORD_TYPES:
            for permission, key in _questions(kind):
                decision = decide_on(context, permission, key)
                allowed = permission in rules.ROLE_ON_PERSON.get(role, frozenset())
                assert decision.permit == allowed, (role, permission)


def test_a_question_about_the_wrong_kind_of_record_is_a_programming_error():
    with pytest.raises(ValueError, match="not a permission on"):
        decide(BASES[BasisKind.KEY_WORKER], JOB, Permission.SECTION_VIEW)
    with pytest.raises(ValueError, match="needs a section key"):
        resource_for(Permission.SECTION_VIEW)


def test_a_closed_plan_refuses_every_change_to_every_basis():
    closed = SimpleNamespace(**{**vars(PLAN), "closed_on": NOW.date() - timedelta(days=1)})
    for basis, context in BASES.items():
        shut = dataclasses.replace(context, plan=closed)
        for permission in rules.CHANGES:
            key = "housing" if permission.resource_type is ResourceType.SECTION else None
            decision = decide_on(shut, permission, key)
            assert not decision.permit, (basis, permission)


def test_bases_and_denials_read_back_from_their_text():
    from careplan.access.decision import Basis, Denial

    for text in ("key_worker", f"consent:{C1}", f"breakglass:{C1}", "role:ig_officer"):
        assert str(Basis.parse(text)) == text
    assert str(Denial.parse(f"refused:{C1}")) == f"refused:{C1}"
    assert Basis.parse("nonsense:1") is None


@pytest.mark.parametrize("permission", sorted(rules.OWN_VOICE))
def test_the_person_changes_only_the_sections_they_write(permission):
    """The person's own voice (issue 20): their table lists writing, the catalogue's
    `person_writes` narrows it to those sections; the rest stay staff's, read only."""
    own = frozenset(list(SENSITIVITY)[:1])
    context = dataclasses.replace(BASES[BasisKind.SELF], person_writes=own)
    for key in SENSITIVITY:
        decision = decide_on(context, permission, key)
        if key in own:
            assert decision.permit
            assert decision.basis.kind is BasisKind.SELF
        else:
            assert decision.reason == "read_only", key
    # Nobody else's voice: the same question about another person is refused.
    other = dataclasses.replace(context, person=SimpleNamespace(id=uuid.uuid4()))
    assert decide_on(other, permission, next(iter(own))).reason == "no_relationship"


@pytest.mark.parametrize("permission", sorted(rules.OWN_VOICE))
def test_the_person_writes_nothing_to_a_closed_plan(permission):
    context = BASES[BasisKind.SELF]
    closed = dataclasses.replace(
        context, plan=SimpleNamespace(**{**vars(context.plan), "closed_on": NOW.date()})
    )
    for key in SENSITIVITY:
        assert decide_on(closed, permission, key).reason == "closed"


def test_a_warm_hand_over_is_bound_by_the_persons_refusal():
    from tests.unit.test_decision import consent

    context = dataclasses.replace(BASES[BasisKind.HANDED_OVER], consents=(consent(permit=False),))
    refused = decide_on(context, Permission.SECTION_VIEW, "housing")
    assert refused.reason.startswith("refused:")


def test_the_key_workers_team_holds_what_the_lead_agency_held_in_every_table():
    """Issue 22: where an agency has teams, the key worker's team takes the lead agency's
    place, no more and no less. A permission added to the lead agency's row of any table
    (reopening a plan, once) must be added to the team's too."""
    from careplan.access import rules
    from careplan.access.decision import BasisKind

    for kind, table in rules.RECORDS.items():
        lead = table.get(BasisKind.LEAD_AGENCY, frozenset())
        team = table.get(BasisKind.KEY_WORKER_TEAM, frozenset())
        assert lead == team, (kind, sorted(lead ^ team))
