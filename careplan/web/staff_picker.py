"""Choosing one member of staff from many (issue 17): GOV.UK's "search then choose".

A short list (at most `STAFF_PICKER_SHORT`, 20 by default) is offered as radios, GOV.UK's
advice for choosing one of a few. A longer one (a national deployment has tens of
thousands of staff) is never listed: a search box in its own GET form (`staff_q`, name or
work email, two characters at least) finds at most 20, offered as radios in the page's
form; after a refused submit the one chosen is offered again. Works without scripts.
The care team's add form (careplan.plans.views.care_team) was the first of these.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app, request

from careplan.accounts.models import User

SHOWN = 20  # the most matches offered; more asks for more of the name


@dataclass
class Picker:
    """What the page shows: `short` (radios of `offered`, everyone), or a search: `query`
    as typed, `offered` its matches (or the one chosen before), `searched` whether a
    search was made, `too_many` more matched than are shown, `too_short` fewer than two
    characters were typed."""

    short: bool
    offered: list[User] = field(default_factory=list)
    query: str = ""
    searched: bool = False
    too_many: bool = False
    too_short: bool = False


def _matches(user: User, words: list[str]) -> bool:
    said = f"{user.name} {user.email} {user.work_email or ''}".casefold()
    return all(word in said for word in words)


def pick(pool: Iterable[User], chosen: str | None = None, query: str | None = None) -> Picker:
    """The picker for `pool` (the staff the form may take, name order); `chosen`: the id
    already chosen (a form sent back with errors); `query`: the search typed (default
    the request's `staff_q`). Each word typed must appear in the name or an email."""
    people = list(pool)
    if len(people) <= current_app.config.get("STAFF_PICKER_SHORT", SHOWN):
        return Picker(short=True, offered=people)
    typed = (query if query is not None else request.values.get("staff_q", "")).strip()[:100]
    picker = Picker(short=False, query=typed)
    if len(typed) >= 2:
        words = typed.casefold().split()
        found = [u for u in people if _matches(u, words)]
        picker.searched, picker.too_many = True, len(found) > SHOWN
        picker.offered = found[:SHOWN]
    elif typed:
        picker.too_short = True
    try:
        wanted = uuid.UUID(chosen) if chosen else None
    except ValueError:
        wanted = None
    if wanted is not None and all(u.id != wanted for u in picker.offered):
        picker.offered += [u for u in people if u.id == wanted]
    return picker
