"""Records about one section, decided as that section: the pure policy (issue 20's walk).

A crisis event (`Resource(CRISIS, section)`), a task (`TaskFact.section`, `.follows`) and
a correction are decided by the ties that reach the section they are about; a task owner
outside the care team keeps their own action only while `ties.owner_stop` lets them.
Sections and facts as in tests/unit/test_decision.py (housing standard, substance use
sensitive, safety restricted; the caller's agreement up to "sensitive").
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from careplan.access.context import TaskFact, TaskOwnerFact
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.policy import decide
from tests.unit.test_decision import (
    AGREEMENT,
    KW,
    LEAD,
    ME,
    MY_AGENCY,
    NARROW_AGREEMENT,
    PERSON,
    TODAY,
    consent,
    facts,
)

TASK_ID = uuid.UUID(int=501)


def _outcome(context, resource, permission) -> str:
    decision = decide(context, resource, permission)
    return decision.basis_text if decision.permit else decision.reason


def _task(section=None, follows=None, owner=None, agency=None) -> Resource:
    return Resource(
        ResourceType.TASK,
        record=TaskFact(TASK_ID, PERSON.id, section, follows, owner, agency),
    )


HOUSING_ONLY = {"consents": [consent(sections=["housing"])]}


@pytest.mark.parametrize(
    ("section", "expected"),
    [("housing", "consent:"), ("substance_use", "no_consent"), ("safety", "agreement_ceiling")],
)
def test_a_crisis_event_is_decided_as_its_section(section, expected):
    member = facts(**HOUSING_ONLY)
    got = _outcome(member, Resource(ResourceType.CRISIS, section), Permission.CRISIS_VIEW)
    assert got.startswith(expected)
    # The key worker sees every one; the lead agency unless the person refused it.
    assert (
        _outcome(
            facts(user=KW, memberships=()),
            Resource(ResourceType.CRISIS, section),
            Permission.CRISIS_VIEW,
        )
        == "key_worker"
    )
    refused = facts(
        agency=LEAD,
        memberships=(),
        consents=[consent(sections=[section], permit=False, agency=LEAD)],
    )
    assert _outcome(refused, Resource(ResourceType.CRISIS, section), Permission.CRISIS_VIEW) == (
        f"refused:{refused.consents[0].id}"
    )


@pytest.mark.parametrize(
    ("task", "member", "lead"),
    [
        (_task("housing"), "consent:", "lead_agency"),
        (_task("substance_use"), "no_consent", "lead_agency"),
        # A meeting's action follows what was said there: not the consent's to see.
        # (refused as the followed record refuses: the consent's table lacks it)
        (_task(None, Permission.MEETING_CONTENT_VIEW), "read_only", "lead_agency"),
        # A correction's follows CORRECTION_VIEW: the lead agency reads it.
        (_task("housing", Permission.CORRECTION_VIEW), "read_only", "lead_agency"),
    ],
)
def test_a_task_is_decided_as_its_section_and_what_it_follows(task, member, lead):
    assert _outcome(facts(**HOUSING_ONLY), task, Permission.TASK_VIEW).startswith(member)
    assert _outcome(facts(agency=LEAD, memberships=()), task, Permission.TASK_VIEW) == lead


def test_status_changes_are_the_owners_and_the_key_workers():
    lead = facts(agency=LEAD, memberships=())
    theirs = _task("housing", owner=uuid.UUID(int=77))
    assert _outcome(lead, theirs, Permission.TASK_STATUS) == "read_only"
    ours = _task("housing", agency=LEAD)
    assert _outcome(lead, ours, Permission.TASK_STATUS) == f"task_owner:{TASK_ID}"
    assert _outcome(facts(user=KW, memberships=()), theirs, Permission.TASK_STATUS) == "key_worker"


OUTSIDER = {"memberships": ()}
LATER = {"starts": TODAY + timedelta(days=10), "expires": TODAY + timedelta(days=90)}
GONE = {"starts": TODAY - timedelta(days=90), "expires": TODAY - timedelta(days=1)}


@pytest.mark.parametrize(
    ("name", "section", "extra", "expected"),
    [
        ("never asked", "housing", {}, f"task_owner:{TASK_ID}"),
        (
            "consent in force",
            "housing",
            {"consents": [consent(sections=["housing"])]},
            "task_owner:",
        ),
        (
            "withdrawn",
            "housing",
            {"consents": [consent(sections=["housing"], withdrawn=True)]},
            "withdrawn",
        ),
        ("expired", "housing", {"consents": [consent(sections=["housing"], **GONE)]}, "expired"),
        (
            "withdrawn, a later one not started",
            "housing",
            {
                "consents": [
                    consent(sections=["housing"], withdrawn=True),
                    consent(uuid.UUID(int=109), sections=["housing"], **LATER),
                ]
            },
            "withdrawn",
        ),
        # The person stopped sharing with the agency altogether: every action goes.
        (
            "the only consent, for another section, withdrawn",
            "housing",
            {"consents": [consent(sections=["money"], withdrawn=True)]},
            "withdrawn",
        ),
        (
            "another section's consent in force",
            "housing",
            {"consents": [consent(sections=["money"])]},
            "task_owner:",
        ),
        ("whole plan, no agreement", None, {"agreement": None}, "no_agreement"),
        (
            "refused",
            "housing",
            {"consents": [consent(sections=["housing"], permit=False)]},
            "refused:",
        ),
        ("beyond the agreement", "safety", {}, "agreement_ceiling"),
        (
            "agreement names other sections",
            "substance_use",
            {"agreement": NARROW_AGREEMENT},
            "agreement_ceiling",
        ),
        ("no agreement", "housing", {"agreement": None}, "no_agreement"),
        ("whole plan, never asked", None, {}, "task_owner:"),
        (
            "whole plan, some refused",
            None,
            {"consents": [consent(sections=["housing", "substance_use"], permit=False)]},
            "task_owner:",
        ),
        (
            "whole plan, every section refused",
            None,
            {"consents": [consent(sections=["housing", "substance_use", "safety"], permit=False)]},
            "refused:",
        ),
        (
            "whole plan, every consent withdrawn",
            None,
            {"consents": [consent(sections=["money"], withdrawn=True)]},
            "withdrawn",
        ),
    ],
)
def test_an_owner_sees_their_action_while_the_person_and_the_agreement_let_them(
    name, section, extra, expected
):
    owner = facts(**OUTSIDER, **extra)
    task = _task(section, owner=ME)
    assert _outcome(owner, task, Permission.TASK_VIEW).startswith(expected), name
    # Owning it through the agency is the same.
    by_agency = _task(section, agency=MY_AGENCY)
    assert _outcome(owner, by_agency, Permission.TASK_VIEW).startswith(expected), name


def test_the_list_opens_to_an_owner_only_while_one_of_their_actions_is_theirs():
    """The person's list of actions (no record): the task-owner basis holds if any owned
    task passes `owner_stop`."""
    listing = Resource(ResourceType.TASK)
    refused = consent(sections=["housing"], permit=False)
    owned = (TaskOwnerFact(TASK_ID, "housing"), TaskOwnerFact(uuid.UUID(int=502), "substance_use"))
    one_left = dataclasses.replace(facts(**OUTSIDER, consents=[refused]), tasks_owned=owned)
    assert _outcome(one_left, listing, Permission.TASK_VIEW) == "task_owner"
    both = consent(uuid.UUID(int=110), sections=["substance_use"], permit=False)
    none_left = dataclasses.replace(facts(**OUTSIDER, consents=[refused, both]), tasks_owned=owned)
    assert _outcome(none_left, listing, Permission.TASK_VIEW).startswith("refused")


def test_a_correction_is_decided_as_the_section_it_names():
    refused = facts(
        agency=LEAD,
        memberships=(),
        consents=[consent(sections=["housing"], permit=False, agency=LEAD)],
    )
    on = Resource(ResourceType.CORRECTION, "housing")
    assert _outcome(refused, on, Permission.CORRECTION_VIEW).startswith("refused")
    assert (
        _outcome(refused, Resource(ResourceType.CORRECTION, "money"), Permission.CORRECTION_VIEW)
        == "lead_agency"
    )
    assert (
        _outcome(facts(agency=LEAD, memberships=()), on, Permission.CORRECTION_ANSWER)
        == "read_only"
    )
    assert (
        _outcome(facts(user=KW, memberships=()), on, Permission.CORRECTION_ANSWER) == "key_worker"
    )
    assert AGREEMENT.max_sensitivity == 2


def test_a_refusal_of_any_section_withholds_what_was_said_at_a_meeting():
    """What was said at a meeting may speak of any section: a refusal of one to the lead
    agency withholds it from their staff, and the actions that follow it; never from the
    key worker."""
    content = Resource(ResourceType.MEETING)
    lead = facts(agency=LEAD, memberships=())
    assert _outcome(lead, content, Permission.MEETING_CONTENT_VIEW) == "lead_agency"
    refusal = consent(sections=["substance_use"], permit=False, agency=LEAD)
    refused = facts(agency=LEAD, memberships=(), consents=[refusal])
    assert _outcome(refused, content, Permission.MEETING_CONTENT_VIEW) == f"refused:{refusal.id}"
    assert _outcome(refused, content, Permission.MEETING_VIEW) == "lead_agency"
    action = _task(None, Permission.MEETING_CONTENT_VIEW)
    assert _outcome(refused, action, Permission.TASK_VIEW).startswith("refused")
    # An action about housing follows the meeting as housing: not refused.
    housing = _task("housing", Permission.MEETING_CONTENT_VIEW)
    assert _outcome(refused, housing, Permission.TASK_VIEW) == "lead_agency"
    key_worker = facts(user=KW, memberships=(), consents=[refusal])
    assert _outcome(key_worker, content, Permission.MEETING_CONTENT_VIEW) == "key_worker"
