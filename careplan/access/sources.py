"""How the policy's context is loaded: one loader, plugged in by the domain packages.

The access package imports no domain package. The packages that own the records a
relationship is made of (plans, care teams, consents, break-glass; later referrals,
supporters, teams, covers) provide one `ContextLoader` that reads them all, in a fixed
number of queries, and the app installs it (`careplan.create_app`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from flask import Flask

from careplan.access.context import AccessContext, TaskFact
from careplan.core import unproxied

EXTENSION = "careplan.access.loader"


class Scope(StrEnum):
    """Which of the people a caller may see a list holds (searches, caseloads)."""

    ALL = "all"
    KEY_WORKER = "key_worker"  # open plans the caller is key worker for
    UNPLANNED = "unplanned"  # registered by the caller, no plan yet
    OTHERS = "others"  # everyone else the caller may see


@dataclass(frozen=True)
class MemberGlance:
    """A current care-team member as the plan page's summary shows them (issue 17): how
    to reach them (`email` falls back to their sign-in address), their place's end day
    (None: open-ended) and the catalogue keys the decision shows their agency today."""

    staff_id: uuid.UUID
    name: str
    role: str
    agency_name: str
    phone: str | None
    email: str
    pattern: str | None
    until: date | None
    sections: tuple[str, ...]


@dataclass(frozen=True)
class PlanGlance:
    """The plan page's summary facts beyond the plan row: the care team today and the
    person's open actions past their due day (as the decision's facts of each, so the
    page counts those the caller may see without reading them again)."""

    members: tuple[MemberGlance, ...]
    overdue: tuple[TaskFact, ...] = ()

    @property
    def overdue_actions(self) -> int:
        """How many of the person's open actions are past their due day (all of them)."""
        return len(self.overdue)


class ContextLoader(Protocol):
    def person(self, user: Any, person_id: uuid.UUID, *, rows: bool) -> AccessContext | None:
        """The context of `user` and one person; None: no such person.

        `rows`: the person and plan as plain rows, for read-only views (the busiest
        requests); otherwise ORM objects a handler may change.
        """
        ...

    def people(self, user: Any, people: list[Any]) -> list[AccessContext]:
        """Contexts for several people at once (caseloads, searches), in their order."""
        ...

    def sensitivity(self) -> Mapping[str, int]:
        """Section key -> sensitivity level, in catalogue order."""
        ...

    def standing(self, user: Any, scope: Scope) -> Any:
        """A SQL condition on the person's id: a person in `scope` whom `user` reaches by
        a standing tie (key worker, lead agency) or registered before any plan. The
        policy lets the caller see each such person, so a list may count and page them in
        SQL (checked against `policy.can_see_person` by tests/access)."""
        ...

    def conditional(self, user: Any, scope: Scope) -> Any | None:
        """A SQL condition on the person's id: a person in `scope` whom `user` reaches
        only through a section (care team, emergency access), not by a standing tie: each
        must be decided by the policy before it is shown or counted. None: the scope
        holds no such people. Never the population."""
        ...

    def plan_glance(self, facts: AccessContext) -> PlanGlance:
        """The plan page's summary for `facts` (which has a plan): the care team today,
        each with how to reach them and what the decision shows them, and the overdue
        action count, in one statement (consent.plan_glance)."""
        ...

    def is_key_worker(self, user: Any) -> bool:
        """Whether the account is key worker for any open plan (sign-in asks: key workers
        must use a second factor)."""
        ...


def install(app: Flask, loader: ContextLoader) -> None:
    app.extensions[EXTENSION] = loader


def loader() -> ContextLoader:
    """The installed loader (KeyError: none installed, a wiring mistake)."""
    return unproxied.app().extensions[EXTENSION]
