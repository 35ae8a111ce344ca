"""What each agency could see of a person's plan, asked of the one access decision.

"Who can see what" pages show, for every agency, the sections a member of the person's care
team from that agency would be shown today. The answer comes from `decide` itself, given the
person's real consents and refusals and the agency's real agreement, so the page cannot
promise anything the decision would not do.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy import select

from careplan.access.context import AccessContext, MembershipFact
from careplan.access.permissions import Permission
from careplan.access.policy import section_decisions
from careplan.access.subject import Role, Subject
from careplan.core import clock
from consent.facts import consent_fact, current_agreement
from consent.models import Consent


def visible_to_agencies(
    session: Any, facts: AccessContext, agencies: list[Any]
) -> list[dict[str, Any]]:

    today = clock.today()
    member = MembershipFact(uuid.uuid4(), today, None, None)
    # The caller's own facts skip consents when they do not need them (key worker, person).
    consents = tuple(
        consent_fact(c)
        for c in session.scalars(select(Consent).where(Consent.person_id == facts.person.id))
    )
    out = []
    for agency in agencies:
        lead = facts.plan is not None and facts.plan.lead_agency_id == agency.id
        as_member = dataclasses.replace(
            facts,
            subject=Subject(
                id=uuid.uuid4(),
                is_individual=False,
                roles=frozenset({Role.PRACTITIONER}),
                agency_id=agency.id,
                sector=agency.sector.value,
            ),
            registered_person=False,
            memberships=(member,),
            agreement=current_agreement(session, agency.id),
            consents=consents,
            break_glass=(),
            # The caller's own team places and covers are not the agency's (issue 22): a
            # member of the lead agency's key worker's team reads as the lead agency did.
            teams=None,
            covers=(),
        )
        seen = section_decisions(as_member, Permission.SECTION_VIEW)
        sections = [k for k, d in seen.items() if d.permit]
        out.append({"agency": agency, "lead": lead, "sections": sections})
    return out
