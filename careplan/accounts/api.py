"""The caller's own account, as the API sees it."""

from __future__ import annotations

from flask import Response, g

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts.models import User
from careplan.accounts.schemas import me_out
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, respond


@bp.get("/me")
@documented("Who you are signed in as", response=me_out)
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def me() -> Response:
    user: User = g.user
    agency = user.agency
    record(AuditAction.ME_VIEW)
    return respond(
        me_out.dump(
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
            }
        )
    )
