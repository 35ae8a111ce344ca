"""Choosing one member of staff from many (issue 17): GOV.UK's "search then choose".

A short list (at most `STAFF_PICKER_SHORT`, 20 by default) is offered as radios, GOV.UK's
advice for choosing one of a few. A longer one (a national deployment has tens of
thousands of staff) is never listed: a search box in its own GET form (`staff_q`, name or
work email, two characters at least) finds at most 20, offered as radios in the page's
form; after a refused submit the one chosen is offered again. Works without scripts.
Where the page's form takes typing of its own (a meeting's notes, a team's name, dates),
the search box is inside that form and its button posts it (`searching`), so a search
never loses what was typed; a page of filters keeps its own GET form.
The care team's add form (careplan.plans.views.care_team) was the first of these.

The pool is a query (careplan.accounts.staff_search.pool: the agencies and role the page
allows), never a loaded list: it is counted, listed when short, and searched in SQL
(name words with "Mc"/"Mac" and short forms alike, or part of an email; at most 20 shown).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import current_app, request
from sqlalchemy import Select

from careplan.accounts import staff_search
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


def searching() -> bool:
    """Whether this POST is the page's "Search for staff" (the search box inside the
    page's form, macros/forms.html `staff_search(inside=True)`): the page shows itself
    again with everything typed, and saves nothing."""
    return request.method == "POST" and "find_staff" in request.form


def pick(pool: Select[tuple[User]], chosen: str | None = None, query: str | None = None) -> Picker:
    """The picker for `pool` (careplan.accounts.staff_search.pool: the staff the form may
    take); `chosen`: the id already chosen (a form sent back with errors); `query`: the
    search typed (default the request's `staff_q`). Each word typed must be in the name
    (Mc/Mac and short forms alike) or an email. At most three queries, none loading more
    than `STAFF_PICKER_SHORT` (20) accounts."""
    if staff_search.count(pool) <= current_app.config.get("STAFF_PICKER_SHORT", SHOWN):
        return Picker(short=True, offered=staff_search.everyone(pool))
    typed = (query if query is not None else request.values.get("staff_q", "")).strip()
    typed = typed[: staff_search.LONGEST_SEARCH]
    picker = Picker(short=False, query=typed)
    if len(typed) >= 2:
        found = staff_search.find(pool, typed, SHOWN)
        picker.searched, picker.too_many = True, len(found) > SHOWN
        picker.offered = found[:SHOWN]
    elif typed:
        picker.too_short = True
    try:
        wanted = uuid.UUID(chosen) if chosen else None
    except ValueError:
        wanted = None
    if wanted is not None and all(u.id != wanted for u in picker.offered):
        again = staff_search.one_of(pool, wanted)
        if again is not None:
            picker.offered.append(again)
    return picker


def pick_many(pool: Select[tuple[User]], chosen: list[str], query: str | None = None) -> Picker:
    """`pick` for a question that takes several (checkboxes: a team's leaders and
    members): everyone when the pool is short, else what the search found, and always
    those already `chosen` (ids: a team's current members, or a form sent back), so a
    new search never drops a tick."""
    picker = pick(pool, None, query)
    if picker.short:
        return picker
    wanted = []
    for value in chosen:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue  # not an id: no one to keep (the form's check says so)
    have = {u.id for u in picker.offered}
    missing = [w for w in wanted if w not in have]
    if missing:
        again = staff_search.everyone(pool.where(User.id.in_(missing)))
        picker.offered = sorted([*again, *picker.offered], key=lambda u: (u.name, str(u.id)))
    return picker
