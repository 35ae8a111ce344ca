"""Loading the access context for one caller and one or more people.

In a fixed number of queries (plan, care-team memberships, consents, the caller's agency
agreement, break-glass), however many consents and sections there are; the context
(`careplan.access.context`) holds them as plain frozen records so that the policy itself
is a pure function.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, String, bindparam, literal, null, or_, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from careplan.access import purposes
from careplan.access.context import (
    AccessContext,
    AgreementFact,
    BreakGlassFact,
    ConsentFact,
    CoverFact,
    MembershipFact,
    SupporterFact,
    TaskOwnerFact,
    TeamFact,
)
from careplan.access.sources import PlanGlance, Scope
from careplan.access.subject import Subject
from careplan.accounts.models import User as UserModel
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.prepared import Prepared, rows_together
from careplan.people.models import Person
from careplan.plans.catalogue import Sensitivity
from careplan.plans.models import CareTeamMember, Plan
from careplan.plans.rows import PersonRow, PlanRow, Reach, Ref
from careplan.supporters.models import Supporter
from careplan.tasks.models import Task
from careplan.teams.models import Cover, Team, TeamMember
from consent.models import BreakGlass, Consent, SharingAgreement
from consent.plan_glance import plan_glance
from consent.visibility import conditional_clause, standing_clause

if TYPE_CHECKING:
    from careplan.accounts.models import User
    from careplan.people.models import Person


def load_facts(
    session: Session,
    user: User,
    person: Person,
    sensitivity: Mapping[str, int],
    person_writes: frozenset[str] = frozenset(),
) -> AccessContext:
    return load_facts_many(session, user, [person], sensitivity, person_writes)[0]


def load_facts_many(
    session: Session,
    user: User,
    people: list[Person],
    sensitivity: Mapping[str, int],
    person_writes: frozenset[str] = frozenset(),
) -> list[AccessContext]:
    """Facts for each person, in five queries at most whatever the number of people."""

    if not people:
        return []
    ids = [p.id for p in people]
    plans = {p.person_id: p for p in session.scalars(select(Plan).where(Plan.person_id.in_(ids)))}
    entries = [(person, plans.get(person.id)) for person in people]
    return _facts(session, user, entries, sensitivity, person_writes=person_writes)


def load_plan_view_facts(
    session: Session,
    user: User,
    person_id: uuid.UUID,
    sensitivity: Mapping[str, int],
    person_writes: frozenset[str] = frozenset(),
) -> AccessContext | None:
    """The same facts as `load_facts` for a read-only view, without ORM objects: the
    person, plan, lead agency and key worker in one query (None: no such person)."""
    # One connection for all its statements: the session's, in its transaction.
    connection = session.connection()
    row = _statements().view.first(connection, {"person_id": person_id})
    if row is None:
        return None
    plan_row = None
    if row.plan_id is not None:
        plan_row = PlanRow(
            id=row.plan_id,
            person_id=row.id,
            lead_agency_id=row.lead_agency_id,
            key_worker_id=row.key_worker_id,
            version=row.version,
            agreed_on=row.agreed_on,
            agreed_how=row.agreed_how,
            closed_on=row.closed_on,
            closed_reason=row.closed_reason,
            lead_agency=Ref(row.lead_agency_id, row.agency_name),
            key_worker=Ref(row.key_worker_id, row.worker_name),
            key_worker_reach=Reach(
                row.worker_phone, row.worker_work_email or row.worker_email, row.worker_pattern
            ),
            next_review_on=row.next_review_on,
        )
    person_row = PersonRow(
        row.id,
        row.created_by_id,
        row.given_name,
        row.family_name,
        row.preferred_name,
        row.date_of_birth,
        row.chi,
    )
    entry = (person_row, plan_row)
    return _facts(session, user, [entry], sensitivity, connection, person_writes)[0]


def _facts(
    session: Session,
    user: User,
    entries: list[tuple[Any, Any]],
    sensitivity: Mapping[str, int],
    connection: Connection | None = None,
    person_writes: frozenset[str] = frozenset(),
) -> list[AccessContext]:
    """AccessContext for (person, plan or None) pairs: memberships, consents, break-glass and
    the agreement, loaded with column selects (this runs on every plan request).
    `connection`: the session's, if the caller already holds it; `person_writes`: the
    sections the person writes themselves (the catalogue's flag)."""
    subject = Subject.of(user)
    ids = [person.id for person, _ in entries]
    now = clock.now()
    practitioner = subject.is_practitioner
    memberships: dict[Any, list[MembershipFact]] = {}
    consents: dict[Any, list[ConsentFact]] = {}
    glass: dict[Any, list[BreakGlassFact]] = {}
    agreement = None
    team_rows: list[Any] = []
    owned: tuple[TaskOwnerFact, ...] = ()
    # A key worker may do everything on their own people's plans: nothing more to load.
    others = [plan for _, plan in entries if plan is not None and plan.key_worker_id != user.id]
    if practitioner and others:
        q = _statements()
        if len(ids) == 1:
            # One person (every plan and section request): statements without IN lists,
            # prepared once (careplan.core.prepared).
            one = {"user_id": user.id, "person_id": ids[0], "plan_id": others[0].id, "now": now}
            connection = connection or session.connection()
            batch = [
                (q.membership_one, one),
                (q.consents_one, one),
                (q.break_glass_one, one),
                (
                    q.teams_one,
                    {
                        "user_id": user.id,
                        "agency_id": user.agency_id,
                        "key_worker_id": others[0].key_worker_id,
                        "today": clock.day_of(now),
                    },
                ),
            ]
            if user.agency_id is not None:
                batch.append((q.agreement, {"agency_id": user.agency_id}))
            # The task-owner tie: only for one person, and only for a caller whom neither
            # standing tie already gives every task permission.
            owner = others[0].lead_agency_id != user.agency_id
            if owner:
                batch.append(
                    (
                        q.tasks_owned,
                        {"person_id": ids[0], "user_id": user.id, "agency_id": user.agency_id},
                    )
                )
            # One round trip for all of them on PostgreSQL (careplan.core.prepared).
            found = rows_together(connection, batch)
            member_rows, consent_rows, glass_rows, team_rows = found[:4]
            if user.agency_id is not None:
                deal = found[4]
                agreement = agreement_fact(deal[0]) if deal else None
            if owner:
                owned = tuple(TaskOwnerFact(r.id, r.section_key) for r in found[-1])
        else:
            many = {"user_id": user.id, "ids": ids, "plan_ids": [p.id for p in others], "now": now}
            member_rows = list(session.execute(q.memberships, many))
            consent_rows = list(session.execute(q.consents, many))
            glass_rows = list(session.execute(q.break_glass, many))
            workers = sorted({p.key_worker_id for p in others}, key=str)
            team_rows = list(
                session.execute(
                    q.teams,
                    {
                        "user_id": user.id,
                        "agency_id": user.agency_id,
                        "key_worker_ids": workers,
                        "today": clock.day_of(now),
                    },
                )
            )
            agreement = current_agreement(session, user.agency_id)
        for m in member_rows:
            memberships.setdefault(m.plan_id, []).append(
                MembershipFact(
                    m.id,
                    m.valid_from,
                    m.valid_to,
                    m.ended_at,
                    bool(m.active),
                    bool(m.warm_hand_over),
                )
            )
        for c in consent_rows:
            consents.setdefault(c.person_id, []).append(consent_fact(c))
        for b in glass_rows:
            glass.setdefault(b.person_id, []).append(
                BreakGlassFact(b.id, b.invoked_at, b.expires_at)
            )
    places: dict[Any, list[SupporterFact]] = {}
    if subject.is_supporter:
        # The supporter tie: one statement, only for a supporter's account (staff and the
        # person never hold it).
        for r in session.execute(_statements().supporters, {"user_id": user.id, "ids": ids}):
            places.setdefault(r.person_id, []).append(
                SupporterFact(
                    r.id, frozenset(r.sections or ()), r.expires_on, r.ended_at is not None
                )
            )
    today = clock.day_of(now)
    purpose = purposes.current()
    teams_of, covers_of = _teams_and_covers(user, team_rows)
    return [
        AccessContext(
            subject=subject,
            person=person,
            plan=plan,
            now=now,
            today=today,
            registered_person=person.created_by_id == user.id,
            sensitivity=sensitivity,
            memberships=tuple(memberships.get(plan.id, ())) if plan is not None else (),
            consents=tuple(consents.get(person.id, ())),
            agreement=agreement,
            break_glass=tuple(glass.get(person.id, ())),
            purpose=purpose,
            person_writes=person_writes,
            teams=teams_of(plan),
            covers=covers_of(plan),
            tasks_owned=owned,
            supporters=tuple(places.get(person.id, ())),
        )
        for person, plan in entries
    ]


def team_facts(
    session: Session, user: User, plans: Iterable[Any]
) -> tuple[Callable[[Any], TeamFact | None], Callable[[Any], tuple[CoverFact, ...]]]:
    """For lists decided on a plan's ties alone (the referral inbox): two functions of a
    plan (anything with `lead_agency_id` and `key_worker_id`) giving the caller's
    `TeamFact` and `CoverFact`s for it, as a whole context would hold them (issue 22).
    One statement for all the plans, none when the caller is no practitioner or key
    worker of them all."""
    workers = sorted({p.key_worker_id for p in plans if p.key_worker_id != user.id}, key=str)
    rows: list[Any] = []
    if workers and Subject.of(user).is_practitioner:
        params = {
            "user_id": user.id,
            "agency_id": user.agency_id,
            "key_worker_ids": workers,
            "today": clock.day_of(clock.now()),
        }
        rows = list(session.execute(_statements().teams, params))
    return _teams_and_covers(user, rows)


def _teams_and_covers(user: User, rows: list[Any]) -> tuple[Any, Any]:
    """From the team-and-cover statement's rows, two functions of a plan: its `TeamFact`
    (None unless the caller works in its lead agency) and the caller's `CoverFact`s of its
    key worker (careplan.teams.models)."""
    organised = False
    mine: set[uuid.UUID] = set()
    leading: set[uuid.UUID] = set()
    of_worker: dict[uuid.UUID, set[uuid.UUID]] = {}
    covers: dict[uuid.UUID, list[CoverFact]] = {}
    for row in rows:
        if row.kind == "cover":
            covers.setdefault(row.staff_id, []).append(
                CoverFact(row.ref, row.starts_on, row.ends_on)
            )
            continue
        organised = True
        if row.staff_id == user.id:
            mine.add(row.ref)
            if row.leader:
                leading.add(row.ref)
        elif row.staff_id is not None:
            of_worker.setdefault(row.staff_id, set()).add(row.ref)

    def teams_of(plan: Any) -> TeamFact | None:
        if plan is None or user.agency_id is None or plan.lead_agency_id != user.agency_id:
            return None
        if not organised:
            return TeamFact()
        worker = of_worker.get(plan.key_worker_id, set())
        # The key worker's own teams: when the caller is the key worker there is nothing
        # to load (and no need: the key worker tie decides first).
        return TeamFact(True, frozenset(mine & worker), frozenset(leading & worker))

    def covers_of(plan: Any) -> tuple[CoverFact, ...]:
        return tuple(covers.get(plan.key_worker_id, ())) if plan is not None else ()

    return teams_of, covers_of


def consent_fact(c: Any) -> ConsentFact:
    return ConsentFact(
        id=c.id,
        agency_id=c.grantee_agency_id,
        sector=c.grantee_sector.value if c.grantee_sector else None,
        sections=frozenset(c.sections) if c.sections is not None else None,
        permit=c.effect.value == "permit",
        starts_on=c.starts_on,
        expires_on=c.expires_on,
        withdrawn=c.withdrawn_at is not None,
        purpose=c.purpose,
        referral_id=c.referral_id,
    )


def current_agreement(
    session: Session | Connection, agency_id: uuid.UUID | None
) -> AgreementFact | None:
    """The agency's agreement in force: its newest one (older rows are history)."""

    if agency_id is None:
        return None
    row = _statements().agreement.first(session, {"agency_id": agency_id})
    return None if row is None else agreement_fact(row)


def agreement_fact(row: Any) -> AgreementFact:
    """The policy's fact of an agreement row (its id, ceiling, sections, end day)."""
    return AgreementFact(
        row.id,
        int(Sensitivity.parse(row.max_sensitivity)),
        frozenset(row.sections) if row.sections is not None else None,
        row.valid_until,
    )


def sensitivities(catalogue: Iterable[Any]) -> dict[str, int]:
    return {kind.key: int(kind.sensitivity) for kind in catalogue}


@dataclass(frozen=True)
class _Statements:
    view: Prepared
    memberships: Any
    consents: Any
    break_glass: Any
    membership_one: Prepared
    consents_one: Prepared
    break_glass_one: Prepared
    agreement: Prepared
    teams: Any
    teams_one: Prepared
    tasks_owned: Prepared
    supporters: Any


@functools.cache
def _statements() -> _Statements:
    """Built once per process, with bound parameters: every plan request runs these, and
    building a select (and its aliases' columns) costs more than executing it."""

    person, plan = Person.__table__.c, Plan.__table__.c
    agency, worker = Agency.__table__.alias("lead"), UserModel.__table__.alias("worker")
    view = (
        select(
            person.id,
            person.created_by_id,
            person.given_name,
            person.family_name,
            person.preferred_name,
            person.date_of_birth,
            person.chi,
            plan.id.label("plan_id"),
            plan.lead_agency_id,
            plan.key_worker_id,
            plan.version,
            plan.agreed_on,
            plan.agreed_how,
            plan.closed_on,
            plan.closed_reason,
            agency.c.name.label("agency_name"),
            worker.c.name.label("worker_name"),
            # How to reach the key worker and the next review: the plan page's summary
            # (issue 17), read here rather than in a statement of its own.
            worker.c.work_phone.label("worker_phone"),
            worker.c.work_email.label("worker_work_email"),
            worker.c.email.label("worker_email"),
            worker.c.working_pattern.label("worker_pattern"),
            plan.next_review_on,
        )
        .select_from(Person.__table__)
        .outerjoin(Plan.__table__, plan.person_id == person.id)
        .outerjoin(agency, agency.c.id == plan.lead_agency_id)
        .outerjoin(worker, worker.c.id == plan.key_worker_id)
        .where(person.id == bindparam("person_id"))
    )
    member = CareTeamMember.__table__.c
    # The member's account as the database has it now: a deactivated account's place is
    # never current (careplan.access.context.MembershipFact).
    account = UserModel.__table__.c
    memberships = (
        select(
            member.plan_id,
            member.id,
            member.valid_from,
            member.valid_to,
            member.ended_at,
            account.active,
            member.warm_hand_over,
        )
        .join(UserModel.__table__, account.id == member.staff_id)
        .where(member.staff_id == bindparam("user_id"))
    )
    consent = Consent.__table__.c
    consents = select(
        consent.person_id,
        consent.id,
        consent.grantee_agency_id,
        consent.grantee_sector,
        consent.sections,
        consent.effect,
        consent.starts_on,
        consent.expires_on,
        consent.withdrawn_at,
        consent.purpose,
        consent.referral_id,
    )
    broken = BreakGlass.__table__.c
    break_glass = select(broken.person_id, broken.id, broken.invoked_at, broken.expires_at).where(
        broken.user_id == bindparam("user_id"), broken.expires_at > bindparam("now")
    )
    deal = SharingAgreement.__table__.c
    agreement = (
        select(deal.id, deal.max_sensitivity, deal.sections, deal.valid_until)
        .where(deal.agency_id == bindparam("agency_id"))
        .order_by(deal.created_at.desc(), deal.id)
        .limit(1)
    )
    teams, teams_one = _team_statements()
    task = Task.__table__.c
    tasks_owned = (
        select(task.id, task.section_key)
        .where(
            task.person_id == bindparam("person_id"),
            (task.owner_staff_id == bindparam("user_id"))
            | (task.owner_agency_id == bindparam("agency_id")),
        )
        .order_by(task.id)
    )
    place = Supporter.__table__.c
    supporters = select(
        place.person_id, place.id, place.sections, place.expires_on, place.ended_at
    ).where(
        place.account_id == bindparam("user_id"),
        place.person_id.in_(bindparam("ids", expanding=True)),
    )
    return _Statements(
        supporters=supporters,
        teams=teams,
        teams_one=Prepared(teams_one),
        view=Prepared(view),
        memberships=memberships.where(member.plan_id.in_(bindparam("plan_ids", expanding=True))),
        consents=consents.where(consent.person_id.in_(bindparam("ids", expanding=True))),
        break_glass=break_glass.where(broken.person_id.in_(bindparam("ids", expanding=True))),
        membership_one=Prepared(memberships.where(member.plan_id == bindparam("plan_id"))),
        consents_one=Prepared(consents.where(consent.person_id == bindparam("person_id"))),
        break_glass_one=Prepared(break_glass.where(broken.person_id == bindparam("person_id"))),
        agreement=Prepared(agreement),
        tasks_owned=Prepared(tasks_owned),
    )


def _team_statements() -> tuple[Any, Any]:
    """One statement for the team and cover ties (issue 22), for many key workers and for
    one: the caller's agency's teams (each once, so that an agency organised in teams is
    known even where neither the caller nor the key worker is in one), with the team
    places of the caller and of the key workers; and the caller's covers of those key
    workers in force today."""

    def build(workers: Any) -> Any:
        team, member, cover = Team.__table__.c, TeamMember.__table__.c, Cover.__table__.c
        places = (
            select(
                literal("team", String).label("kind"),
                team.id.label("ref"),
                member.staff_id,
                member.leader,
                null().cast(Date).label("starts_on"),
                null().cast(Date).label("ends_on"),
            )
            .select_from(Team.__table__)
            .outerjoin(
                TeamMember.__table__,
                (member.team_id == team.id)
                & or_(member.staff_id == bindparam("user_id"), workers(member.staff_id)),
            )
            .where(team.agency_id == bindparam("agency_id"))
        )
        covering = select(
            literal("cover", String).label("kind"),
            cover.id.label("ref"),
            cover.staff_id,
            literal(False, Boolean).label("leader"),
            cover.starts_on,
            cover.ends_on,
        ).where(
            cover.cover_id == bindparam("user_id"),
            workers(cover.staff_id),
            cover.ended_at.is_(None),
            cover.starts_on <= bindparam("today"),
            cover.ends_on >= bindparam("today"),
        )
        return union_all(places, covering)

    many = build(lambda column: column.in_(bindparam("key_worker_ids", expanding=True)))
    one = build(lambda column: column == bindparam("key_worker_id"))
    return many, one


class PlanContextLoader:
    """The context loader for the records relationships are made of today: the plan (key
    worker, lead agency), the care team, consents and refusals, break-glass and the
    caller's agency agreement (`careplan.access.sources.ContextLoader`)."""

    def __init__(
        self,
        session: Any,
        sensitivity: Mapping[str, int],
        person_writes: frozenset[str] = frozenset(),
    ) -> None:
        self._session = session  # the scoped session: each call reads the current one
        self._sensitivity = sensitivity
        self._person_writes = person_writes

    def person(self, user: User, person_id: uuid.UUID, *, rows: bool) -> AccessContext | None:
        if rows:
            return load_plan_view_facts(
                self._session(), user, person_id, self._sensitivity, self._person_writes
            )

        session = self._session()
        person = session.get(Person, person_id)
        if person is None:
            return None
        return load_facts(session, user, person, self._sensitivity, self._person_writes)

    def people(self, user: User, people: list[Person]) -> list[AccessContext]:
        return load_facts_many(
            self._session(), user, people, self._sensitivity, self._person_writes
        )

    def sensitivity(self) -> Mapping[str, int]:
        return self._sensitivity

    def standing(self, user: User, scope: Scope) -> Any:
        return standing_clause(user, scope)

    def conditional(self, user: User, scope: Scope) -> Any | None:
        return conditional_clause(user, scope)

    def plan_glance(self, facts: AccessContext) -> PlanGlance:
        return plan_glance(self._session().connection(), facts)

    def is_key_worker(self, user: User) -> bool:

        open_plan = select(Plan.id).where(Plan.key_worker_id == user.id, Plan.closed_on.is_(None))
        return self._session().scalar(open_plan.limit(1)) is not None
