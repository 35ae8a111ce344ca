"""`section_decisions`, which the plan page asks for its sections' buttons
(careplan/plans/views.py `_sections`), answers as `decide_on` does per section, for
every kind of caller the decision tables know (break-glass, refusals, claimed places,
supporters, closed plans, a plan kept frozen so the ties' answers are memoised), asked on
fresh contexts and on one shared."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from careplan.access.context import MembershipFact, SupporterFact
from careplan.access.permissions import Permission
from careplan.access.policy import decide_on, section_decisions
from tests.unit.test_decision import CASES, PLAN, SENSITIVITY, TODAY

PERMISSIONS = (Permission.SECTION_WRITE, Permission.SECTION_ADD_ENTRY, Permission.SECTION_VIEW)


@dataclasses.dataclass(frozen=True)
class FrozenPlan:  # as the read-only views load it: the context memoises the ties
    key_worker_id: uuid.UUID
    lead_agency_id: uuid.UUID
    closed_on: object = None


def _variants():
    for name, (world, _expected) in CASES.items():
        for closed in (False, True):
            for frozen in (False, True):
                plan = world.plan
                if plan is None:
                    yield name, closed, frozen, world
                    continue
                closed_on = TODAY - timedelta(days=1) if closed else None
                if frozen:
                    plan = FrozenPlan(plan.key_worker_id, plan.lead_agency_id, closed_on)
                else:
                    plan = type(PLAN)(**{**vars(plan), "closed_on": closed_on})
                yield name, closed, frozen, dataclasses.replace(world, plan=plan)
    # A supporter, a claimed place under review, a warm hand-over.
    base = CASES["no_relationship"][0]
    supporter = dataclasses.replace(
        base,
        subject=dataclasses.replace(
            base.subject, roles=frozenset(), agency_id=None, sector=None, is_supporter=True
        ),
        supporters=(SupporterFact(uuid.UUID(int=55), frozenset({"housing"}), TODAY),),
    )
    yield "supporter", False, False, supporter
    claimed = MembershipFact(uuid.UUID(int=56), TODAY - timedelta(days=1), None, None)
    yield "claimed", False, False, dataclasses.replace(base, memberships=(claimed,))
    warm = MembershipFact(uuid.UUID(int=57), TODAY, None, None, warm_hand_over=True)
    yield "warm", False, False, dataclasses.replace(base, memberships=(warm,))


@pytest.mark.parametrize("permission", PERMISSIONS)
def test_section_decisions_equal_decide_on_for_every_case(permission):
    keys_options = (list(SENSITIVITY), ["safety", "housing"], [], ["housing"])
    checked = 0
    for name, closed, frozen, world in _variants():
        for keys in keys_options:
            fresh = {k: decide_on(dataclasses.replace(world), permission, k) for k in keys}
            shared = dataclasses.replace(world)
            at_once = section_decisions(shared, permission, keys)
            assert at_once == fresh, (name, closed, frozen, keys)
            # and, on the same context afterwards (memo filled by section_decisions)
            assert {k: decide_on(shared, permission, k) for k in keys} == fresh
            checked += 1
    assert checked > 100
