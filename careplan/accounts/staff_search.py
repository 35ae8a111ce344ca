"""Finding staff accounts in SQL (issue 17): the pools a page may choose from, and a search.

A national deployment has tens of thousands of staff, so no page loads them all to filter
in Python. A page builds its pool (`pool`: which agencies, which role, who is left out) as
one `select(User)`; `count` says whether it is short enough to list; `find` narrows it by
what was typed, in SQL with bound parameters, on both databases: every word typed must be
in the name (careplan.core.names: case ignored, "Mc" and "Mac" alike, apostrophes,
hyphens and spaces ignored, common short forms of given names) or in either email.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, String, and_, cast, false, func, or_, select

from careplan.access.subject import Role
from careplan.accounts.models import AccountKind, User
from careplan.core.names import names_hold
from careplan.extensions import db

# The longest search read: a name and an email fit, a pasted page does not.
LONGEST_SEARCH = 100


def with_role(role: Role) -> Any:
    """The SQL condition "the account holds `role`". The roles column is a JSON list, so
    its text holds each role in quotes: compared with them, "practitioner" never matches a
    longer role's name."""
    return cast(User.roles, String).like(f'%"{role.value}"%')


def pool(
    *,
    agencies: Iterable[uuid.UUID | None] | None = None,
    role: Role | None = Role.PRACTITIONER,
    leave_out: Iterable[uuid.UUID | None] = (),
    active_only: bool = True,
) -> Select[tuple[User]]:
    """The staff accounts a page may choose from, as a query in name order: in one of
    `agencies` (None: any agency; an empty list: nobody), holding `role` (None: any role;
    a practitioner's agency is always set), active unless `active_only` is False, and
    not one of `leave_out`."""
    query = select(User).where(User.kind == AccountKind.STAFF)
    if active_only:
        query = query.where(User.active.is_(True))
    if role is not None:
        query = query.where(with_role(role), User.agency_id.is_not(None))
    if agencies is not None:
        wanted = [a for a in agencies if a is not None]
        query = query.where(User.agency_id.in_(wanted) if wanted else false())
    left_out = [u for u in leave_out if u is not None]
    if left_out:
        query = query.where(User.id.not_in(left_out))
    return query.order_by(User.name, User.id)


def count(staff: Select[tuple[User]]) -> int:
    """How many accounts `staff` (a `pool`) holds, counted in SQL."""
    return db.session.scalar(select(func.count()).select_from(staff.order_by(None).subquery())) or 0


def everyone(staff: Select[tuple[User]]) -> list[User]:
    """Every account of `staff` (a short pool: check `count` first), name order."""
    return list(db.session.scalars(staff))


def matching(typed: str) -> Any | None:
    """The SQL condition for a search `typed` (name words, or part of an email), or None
    when nothing searchable was typed. Each word must be in the name (its variants) or in
    the sign-in or work email (as typed, case ignored)."""
    clauses = []
    for word in typed[:LONGEST_SEARCH].split():
        in_email = [
            func.lower(column).contains(word.casefold(), autoescape=True)
            for column in (User.email, User.work_email)
        ]
        in_name = names_hold([User.name], word)
        clauses.append(or_(*in_email, *([in_name] if in_name is not None else [])))
    return and_(*clauses) if clauses else None


def find(staff: Select[tuple[User]], typed: str, limit: int) -> list[User]:
    """The accounts of `staff` (a `pool`) matching `typed`, name order, at most `limit`
    + 1 (one more says "more match than are shown"); [] when nothing searchable was typed."""
    condition = matching(typed)
    if condition is None:
        return []
    return list(db.session.scalars(staff.where(condition).limit(limit + 1)))


def one_of(staff: Select[tuple[User]], staff_id: uuid.UUID) -> User | None:
    """The account `staff_id` if `staff` (a `pool`) holds it, else None."""
    return db.session.scalars(staff.where(User.id == staff_id)).first()
