"""The plan's one read model (`PlanView`): what the API's plan view, the plan page and the
person's own page show, read with the same statements whoever asks.

A view holds the plan as a plain row (careplan.plans.rows.PlanRow, loaded with the access
context in one query) and the permitted sections as they come from the driver, sealed
(careplan.plans.operations.SectionView); they are opened only when the body is made, which
for the API's plan view is after the commit. Nothing here decides or records: the caller
(careplan.plans.services.read_plan_view) has done both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careplan.plans import operations, presenters
from careplan.plans.catalogue import Catalogue
from careplan.plans.rows import PlanRow, Ref


@dataclass(frozen=True)
class EmptySection:
    """A catalogue section this plan has no row for (the catalogue gained it after the
    plan was made): shown empty at version 0, and made on its first write, not on a read."""

    version: int = 0
    updated_at: datetime | None = None
    updated_by: Ref | None = None
    content: dict[str, Any] | None = None
    by_person: bool = False


@dataclass(frozen=True)
class PlanView:
    """A plan as one caller may see it. `sections`: key -> section, only the permitted
    ones, in catalogue order; `withheld`: the keys not shown; `basis`: key -> the basis
    of each shown section in its text form (`consent:<id>`, `key_worker`, ...)."""

    plan: PlanRow
    sections: dict[str, operations.SectionView | EmptySection]
    withheld: list[str]
    basis: dict[str, str]

    @property
    def person_id(self) -> uuid.UUID:
        return self.plan.person_id

    @property
    def version(self) -> int:
        return self.plan.version

    def body(self, kinds: Catalogue) -> dict[str, Any]:
        """The plan in `presenters.plan`'s shape (plan_out's input). Opens each shown
        section: raises careplan.protection.vault.Tampered if one fails its check."""
        sections = {
            key: presenters.section(kinds.get(key), row) for key, row in self.sections.items()
        }
        return presenters.plan(self.plan, sections, self.withheld, self.basis)


def plan_view(
    session: Session,
    plan: PlanRow,
    permitted: list[str],
    withheld: list[str],
    basis: dict[str, str],
) -> PlanView:
    """Read the `permitted` sections of `plan` in one statement, sealed."""
    rows = operations.section_views(session, plan.id, permitted) if permitted else {}
    sections = {key: rows.get(key) or EmptySection() for key in permitted}
    return PlanView(plan, sections, withheld, basis)
