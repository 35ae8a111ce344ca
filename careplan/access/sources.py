"""How the policy's context is loaded: one loader, plugged in by the domain packages.

The access package imports no domain package. The packages that own the records a
relationship is made of (plans, care teams, consents, break-glass; later referrals,
supporters, teams, covers) provide one `ContextLoader` that reads them all, in a fixed
number of queries, and the app installs it (`careplan.create_app`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from flask import Flask, current_app

from careplan.access.context import AccessContext

EXTENSION = "careplan.access.loader"


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

    def candidates(self, user: Any) -> Any:
        """A SQL condition on the person's id: one of the people `user` may see something
        of (the candidates for a search, each then decided by the policy); never the
        population."""
        ...

    def is_key_worker(self, user: Any) -> bool:
        """Whether the account is key worker for any open plan (sign-in asks: key workers
        must use a second factor)."""
        ...


def install(app: Flask, loader: ContextLoader) -> None:
    app.extensions[EXTENSION] = loader


def loader() -> ContextLoader:
    """The installed loader (KeyError: none installed, a wiring mistake)."""
    return current_app.extensions[EXTENSION]
