"""The plan page's summary (issue 17): who is in the care team today, how to reach each,
what each can see, and how many of the person's actions are past due, read in ONE
statement, so the busiest page gains one statement and no more.

"What each can see" is asked of the one access decision (`policy.section_decisions`), given
the person's real consents and refusals and each member's agency's real agreement, as the
"who can see what" page does (consent.sharing_summary), so the summary cannot promise
anything the decision would not do.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Integer,
    String,
    Uuid,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from careplan.access.context import (
    AccessContext,
    AgreementFact,
    ConsentFact,
    MembershipFact,
    TaskFact,
)
from careplan.access.permissions import Permission
from careplan.access.policy import section_decisions
from careplan.access.sources import MemberGlance, PlanGlance
from careplan.access.subject import Role, Subject
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core.prepared import Prepared
from careplan.plans.catalogue import Sensitivity
from careplan.plans.models import CareTeamMember
from careplan.tasks.models import Task, TaskSource, TaskStatus
from careplan.tasks.services import FOLLOWS
from consent.models import Consent, SharingAgreement

# The columns every row of the one statement has; each kind fills its own.
COLUMNS = (
    ("kind", String),
    ("ref", Uuid),
    ("name", String),
    ("agency_id", Uuid),
    ("agency_name", String),
    ("sector", String),
    ("phone", String),
    ("email", String),
    ("pattern", String),
    ("sections", JSON),
    ("effect", String),
    ("purpose", String),
    ("d1", Date),
    ("d2", Date),
    ("withdrawn_at", DateTime),
    ("n", Integer),
    ("referral_id", Uuid),
    ("owner_id", Uuid),
)


def _row(kind: str, **given: Any) -> Any:
    """One part of the union: `given` columns by name, the rest NULL of their type."""
    columns = [literal(kind, String).label("kind")]
    for name, kind_type in COLUMNS[1:]:
        value = given.get(name)
        columns.append((value if value is not None else cast(null(), kind_type)).label(name))
    return columns


@functools.cache
def _statement() -> Prepared:
    """Built once per process (the plan page runs it on every view)."""
    member, account = CareTeamMember.__table__.c, User.__table__.c
    agency = Agency.__table__.c
    today = bindparam("today", type_=Date)
    current = and_(
        member.plan_id == bindparam("plan_id"),
        member.valid_from <= today,
        or_(member.valid_to.is_(None), member.valid_to >= today),
        member.ended_at.is_(None),
        account.active.is_(True),
    )
    members = (
        select(
            *_row(
                "member",
                ref=account.id,
                name=account.name,
                agency_id=agency.id,
                agency_name=agency.name,
                sector=cast(agency.sector, String),
                phone=account.work_phone,
                email=func.coalesce(account.work_email, account.email),
                pattern=account.working_pattern,
                purpose=member.role,
                d1=member.valid_from,
                d2=member.valid_to,
            )
        )
        .select_from(CareTeamMember.__table__)
        .join(User.__table__, account.id == member.staff_id)
        .join(Agency.__table__, agency.id == account.agency_id)
        .where(current)
    )
    consent = Consent.__table__.c
    consents = select(
        *_row(
            "consent",
            ref=consent.id,
            agency_id=consent.grantee_agency_id,
            sector=cast(consent.grantee_sector, String),
            sections=consent.sections,
            effect=cast(consent.effect, String),
            purpose=consent.purpose,
            d1=consent.starts_on,
            d2=consent.expires_on,
            withdrawn_at=consent.withdrawn_at,
            referral_id=consent.referral_id,
        )
    ).where(consent.person_id == bindparam("person_id"))
    deal = SharingAgreement.__table__.c
    newer = aliased(SharingAgreement)
    # Each member agency's agreement in force: its newest (consent.facts.current_agreement).
    member_agencies = (
        select(account.agency_id)
        .select_from(CareTeamMember.__table__)
        .join(User.__table__, account.id == member.staff_id)
        .where(current)
    )
    agreements = select(
        *_row(
            "agreement",
            ref=deal.id,
            agency_id=deal.agency_id,
            name=deal.max_sensitivity,
            sections=deal.sections,
            d2=deal.valid_until,
        )
    ).where(
        deal.agency_id.in_(member_agencies),
        ~exists().where(
            newer.agency_id == deal.agency_id,
            or_(
                newer.created_at > deal.created_at,
                and_(newer.created_at == deal.created_at, newer.id < deal.id),
            ),
        ),
    )
    task = Task.__table__.c
    # Each open action past its due day, with what the decision needs to ask about it
    # (careplan.tasks.services.fact): the page counts those the caller may see without a
    # statement of its own (careplan.plans.services.overdue_seen).
    overdue = select(
        *_row(
            "overdue",
            ref=task.id,
            name=task.section_key,
            purpose=cast(task.source, String),
            agency_id=task.owner_agency_id,
            owner_id=task.owner_staff_id,
        )
    ).where(
        task.person_id == bindparam("person_id"),
        task.status == TaskStatus.OPEN,
        task.due_on < today,
    )
    return Prepared(union_all(members, consents, agreements, overdue))


def plan_glance(connection: Any, facts: AccessContext) -> PlanGlance:
    """The care team today (name order), each with how to reach them and the catalogue
    keys the decision shows them now, and the person's open actions past their due day
    (Scottish days, `facts.today`) as the decision's task facts, in no set order.
    `facts` must have a plan."""
    plan = facts.plan
    rows = _statement().rows(
        connection, {"plan_id": plan.id, "person_id": plan.person_id, "today": facts.today}
    )
    consents, agreements, members, overdue = [], {}, [], []
    for row in rows:
        if row.kind == "member":
            members.append(row)
        elif row.kind == "consent":
            consents.append(
                ConsentFact(
                    id=row.ref,
                    agency_id=row.agency_id,
                    sector=row.sector,
                    sections=frozenset(row.sections) if row.sections is not None else None,
                    permit=row.effect == "permit",
                    starts_on=row.d1,
                    expires_on=row.d2,
                    withdrawn=row.withdrawn_at is not None,
                    purpose=row.purpose,
                    referral_id=row.referral_id,
                )
            )
        elif row.kind == "agreement":
            agreements[row.agency_id] = AgreementFact(
                row.ref,
                int(Sensitivity.parse(row.name)),
                frozenset(row.sections) if row.sections is not None else None,
                row.d2,
            )
        else:
            overdue.append(
                TaskFact(
                    id=row.ref,
                    person_id=plan.person_id,
                    section=row.name,
                    follows=FOLLOWS.get(TaskSource(row.purpose)),
                    owner_staff_id=row.owner_id,
                    owner_agency_id=row.agency_id,
                )
            )
    seen: dict[uuid.UUID, tuple[str, ...]] = {}
    out = []
    for row in sorted(members, key=lambda r: (r.name.casefold(), str(r.ref))):
        if row.agency_id not in seen:
            seen[row.agency_id] = _sections_for(
                facts, row.agency_id, row.sector, agreements.get(row.agency_id), consents
            )
        out.append(
            MemberGlance(
                staff_id=row.ref,
                name=row.name,
                role=row.purpose,
                agency_name=row.agency_name,
                phone=row.phone,
                email=row.email,
                pattern=row.pattern,
                until=row.d2,
                sections=seen[row.agency_id],
            )
        )
    return PlanGlance(members=tuple(out), overdue=tuple(overdue))


def _sections_for(
    facts: AccessContext,
    agency_id: uuid.UUID,
    sector: str,
    agreement: AgreementFact | None,
    consents: list[ConsentFact],
) -> tuple[str, ...]:
    """What a care-team member of `agency_id` is shown today, in catalogue order: the
    decision asked with a membership in force (consent.sharing_summary does the same)."""
    as_member = dataclasses.replace(
        facts,
        subject=Subject(
            id=uuid.uuid4(),
            is_individual=False,
            roles=frozenset({Role.PRACTITIONER}),
            agency_id=agency_id,
            sector=sector,
        ),
        registered_person=False,
        memberships=(MembershipFact(uuid.uuid4(), facts.today, None, None),),
        agreement=agreement,
        consents=tuple(consents),
        break_glass=(),
        teams=None,
        covers=(),
        tasks_owned=(),
    )
    decided = section_decisions(as_member, Permission.SECTION_VIEW)
    return tuple(key for key, d in decided.items() if d.permit)
