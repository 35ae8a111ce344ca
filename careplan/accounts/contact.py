"""How colleagues reach a member of staff: work phone, work email, working pattern
(issue 17, "no way to reach anyone"). Flush only; the caller records and commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.accounts.schemas import CONTACT_FIELDS


def set_contact(session: Session, user: User, data: dict[str, Any]) -> list[str]:
    """Write the contact fields present in `data` (a ContactDetailsSchema load: None
    clears one) to `user`. Returns the names of the fields that changed (for the audit
    record; never their values, which are personal data of the member of staff)."""
    changed = [
        name for name in CONTACT_FIELDS if name in data and getattr(user, name) != data[name]
    ]
    for name in changed:
        setattr(user, name, data[name])
    session.flush()
    return changed


def contact_of(user: User) -> dict[str, Any]:
    """The contact fields as the API and the forms show them."""
    return {name: getattr(user, name) for name in CONTACT_FIELDS}
