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

from careplan.core import clock
from consent.decision import Action, decide
from consent.facts import AccessFacts, MembershipFact, consent_fact, current_agreement


def visible_to_agencies(
    session: Any, facts: AccessFacts, agencies: list[Any]
) -> list[dict[str, Any]]:
    from consent.models import Consent

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
            user_id=uuid.uuid4(),
            user_agency_id=agency.id,
            user_sector=agency.sector.value,
            is_individual=False,
            is_practitioner=True,
            is_self=False,
            registered_person=False,
            memberships=(member,),
            agreement=current_agreement(session, agency.id),
            consents=consents,
            break_glass=(),
        )
        sections = [k for k in facts.sensitivity if decide(as_member, k, Action.VIEW).permit]
        out.append({"agency": agency, "lead": lead, "sections": sections})
    return out
