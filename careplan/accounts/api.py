"""The caller's own account, as the API sees it."""

from __future__ import annotations

from flask import Response, g

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts import contact
from careplan.accounts.models import User
from careplan.accounts.schemas import contact_details, me_out
from careplan.core.api_blueprint import bp
from careplan.core.errors import NotFound
from careplan.core.http import documented, json_body, respond
from careplan.extensions import db


@bp.get("/me")
@documented("Who you are signed in as", response=me_out)
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def me() -> Response:
    user: User = g.user
    record(AuditAction.ME_VIEW)
    return respond(_me(user))


@bp.put("/me/contact")
@documented(
    "How colleagues reach you (staff): work phone, work email (when not your sign-in "
    "address), working pattern. Replaces all three; a missing or empty one is cleared",
    body=contact_details,
    response=me_out,
)
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_CONTACT)
def set_my_contact() -> Response:
    user: User = g.user
    if not user.is_staff:
        raise NotFound("Only staff have work contact details.")
    changed = contact.set_contact(db.session, user, json_body(contact_details))
    record(AuditAction.ME_CONTACT, details={"changed": changed})
    return respond(_me(user))


def _me(user: User) -> dict:
    agency = user.agency
    return me_out.dump(
        {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "kind": user.kind.value,
            "roles": user.roles or [],
            "person_id": user.person_id,
            "agency": {"id": agency.id, "name": agency.name, "sector": agency.sector.value}
            if agency
            else None,
            **contact.contact_of(user),
        }
    )
