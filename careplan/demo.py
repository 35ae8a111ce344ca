"""The fixed demo world: four agencies, their staff, three people with plans.

Loading twice changes nothing: every record is found by its natural key first. The demo
passwords below exist only here, for the embedded default; they are printed by
`flask --app careplan demo load` and never used outside demo data.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.accounts.passwords import hash_password
from careplan.agencies.models import Agency, AgencyKind, Sector
from careplan.ask_and_act.models import HousingAsk
from careplan.core import clock
from careplan.corrections.models import Correction, CorrectionStatus
from careplan.directory import operations as directory
from careplan.directory import sources
from careplan.directory.models import Service
from careplan.meetings.models import Meeting, MeetingAttendee, MeetingKind
from careplan.people.models import Person
from careplan.plans import operations
from careplan.plans.models import AgreedHow, CareTeamMember, Entry, MembershipHow, Plan
from careplan.subject_access import deadlines
from careplan.subject_access.models import (
    Authority,
    Channel,
    IdentityMethod,
    ReleasedTo,
    RequestedBy,
    RequestStatus,
    SubjectAccessRequest,
)
from careplan.supporters.models import Supporter, SupporterRelationship
from careplan.tasks.models import Task, TaskSource
from careplan.teams.models import Cover, Team, TeamMember
from consent.models import (
    Consent,
    ConsentEffect,
    ConsentMethod,
    LawfulBasis,
    SharingAgreement,
)

NHS = "NHS Lothian Addiction Recovery Team"
HOUSING = "City of Edinburgh Council Housing Support"
JUSTICE = "City of Edinburgh Council Justice Social Work"
CAFE = "Broomhill Recovery Cafe"

AGENCIES = (
    (NHS, Sector.STATUTORY, AgencyKind.NHS, "restricted", None),
    (HOUSING, Sector.STATUTORY, AgencyKind.HOUSING, "sensitive", None),
    (JUSTICE, Sector.STATUTORY, AgencyKind.JUSTICE_SOCIAL_WORK, "restricted", None),
    (
        CAFE,
        Sector.THIRD_SECTOR,
        AgencyKind.CHARITY,
        "standard",
        ["about_me", "goals", "housing", "money", "contacts"],
    ),
)

# email, name, agency, roles, demo password
STAFF = (
    ("morag.campbell@nhs.demo", "Morag Campbell", NHS, ["practitioner"], "demo-keyworker-2026"),
    ("ali.hassan@nhs.demo", "Ali Hassan", NHS, ["practitioner"], "demo-nurse-2026"),
    # Leads the Leith team that Morag and Ali are in (issue 22): reads their plans to
    # supervise, sees the team caseload and shares out work.
    ("ewan.fraser@nhs.demo", "Ewan Fraser", NHS, ["practitioner"], "demo-team-leader-2026"),
    ("priya.shah@nhs.demo", "Priya Shah", NHS, ["ig_officer"], "demo-ig-officer-2026"),
    ("fiona.reid@housing.demo", "Fiona Reid", HOUSING, ["practitioner"], "demo-housing-2026"),
    (
        "niamh.grant@housing.demo",
        "Niamh Grant",
        HOUSING,
        ["practitioner", "referral_coordinator"],
        "demo-referrals-2026",
    ),
    ("gordon.bell@justice.demo", "Gordon Bell", JUSTICE, ["practitioner"], "demo-justice-2026"),
    (
        "jamie.robertson@cafe.demo",
        "Jamie Robertson",
        CAFE,
        ["practitioner", "referral_coordinator"],
        "demo-cafe-2026",
    ),
    ("alex.murray@careplan.demo", "Alex Murray", None, ["admin"], "demo-admin-2026"),
)

# How colleagues reach them (issue 17). Ofcom's numbers for drama (0131 496 0xxx,
# 07700 900xxx): never a real line.
REACH = {
    "morag.campbell@nhs.demo": {
        "work_phone": "0131 496 0101",
        "working_pattern": "Monday to Thursday, 9am to 5pm",
    },
    "ali.hassan@nhs.demo": {"work_phone": "0131 496 0102", "working_pattern": "Monday to Friday"},
    "fiona.reid@housing.demo": {
        "work_phone": "0131 496 0201",
        "work_email": "housing.support@housing.demo",
        "working_pattern": "Monday to Friday, 8.30am to 4.30pm",
    },
    "jamie.robertson@cafe.demo": {
        "work_phone": "07700 900301",
        "working_pattern": "Tuesday to Saturday, 10am to 6pm",
    },
    "gordon.bell@justice.demo": {"work_phone": "0131 496 0401"},
}

# given, family, preferred, born, CHI (valid: modulus 11), key worker
PEOPLE = (
    ("Sarah", "Mackenzie", None, date(1988, 4, 12), "1204881235", "morag.campbell@nhs.demo"),
    ("John", "Paterson", "Johnny", date(1975, 9, 30), "3009754566", "fiona.reid@housing.demo"),
    ("Kerry", "Duncan", None, date(1995, 1, 22), "2201957819", "ali.hassan@nhs.demo"),
    # Step-down and return (issue 20): his plan closed when he stepped down to the recovery
    # cafe; it can be reopened, with its history, when he comes back for support.
    ("Craig", "Wilson", None, date(1982, 6, 15), "1506821235", "morag.campbell@nhs.demo"),
)
STEPPED_DOWN = "1506821235"
STEPPED_DOWN_ON = date(2026, 10, 15)
# Invited, not yet signed in: email, name, agency, the invitation code (demo only).
INVITED = ("kirsty.doyle@nhs.demo", "Kirsty Doyle", NHS, "DEM0-KRST-2026-NHS1")
INDIVIDUAL = ("sarah.mackenzie@example.demo", "1204881235", "demo-sarah-2026")
# Sarah's independent advocate (issue 20, supporters): sees "About me" and "My goals" until
# the day below, because Sarah chose so; nothing else of hers, and no one else's.
SUPPORTER = ("ruth.ogilvie@advocacy.demo", "Ruth Ogilvie", "demo-advocate-2026")
SUPPORTER_SECTIONS = ["about_me", "goals"]
SUPPORTER_DAYS = 180

# Authenticator-app keys for the demo accounts that must use a second factor (key workers,
# the IG officer, the administrator). Demo data only, like the passwords: add the key to an
# authenticator app, or compute codes with `python -m pyotp`-style tools in tests.
DEMO_TOTP = {
    "morag.campbell@nhs.demo": "KJFVS4PUVBCTABXYSFLRASB3XVKZO6ZW",
    "ali.hassan@nhs.demo": "RXMHAZQYDS23NIBTVJJD4WIMTE4MINDT",
    "priya.shah@nhs.demo": "OCYDPPFCPEZRPVB4IHBBLUZPYRL7FJHI",
    "fiona.reid@housing.demo": "76S5KJV632E5UQD2CR4LGP2DOCDUZCKX",
    "alex.murray@careplan.demo": "NFWZPWLFZKDFXHGGPUKS74G563ER3AVQ",
}


def _get_or_add(session: Session, model: Any, lookup: dict[str, Any], **fields: Any) -> Any:
    found = session.scalars(select(model).filter_by(**lookup)).first()
    if found is None:
        found = model(**lookup, **fields)
        session.add(found)
        session.flush()
    return found


def load_demo(session: Session) -> list[str]:
    """Create whatever of the demo world is missing; return the sign-in lines to print."""
    agencies = {
        name: _get_or_add(session, Agency, {"name": name}, sector=sector, kind=kind)
        for name, sector, kind, _, _ in AGENCIES
    }
    admin_email = STAFF[-1][0]
    staff = {
        email: _get_or_add(
            session,
            User,
            {"email": email},
            kind=AccountKind.STAFF,
            name=name,
            roles=roles,
            agency_id=agencies[agency].id if agency else None,
            password_hash=hash_password(password),
            **REACH.get(email, {}),
        )
        for email, name, agency, roles, password in STAFF
    }
    for name, _, _, ceiling, sections in AGENCIES:
        _get_or_add(
            session,
            SharingAgreement,
            {"agency_id": agencies[name].id},
            max_sensitivity=ceiling,
            sections=sections,
            lawful_basis=LawfulBasis.PUBLIC_TASK_HEALTH_CARE,
            valid_until=clock.today() + timedelta(days=365 * 3),
            created_by_id=staff[admin_email].id,
        )
    people = {}
    for given, family, preferred, born, chi, key_worker in PEOPLE:
        worker = staff[key_worker]
        person = _get_or_add(
            session,
            Person,
            {"chi": chi},
            given_name=given,
            family_name=family,
            preferred_name=preferred,
            date_of_birth=born,
            created_by_id=worker.id,
        )
        people[chi] = person
        if session.scalar(select(Plan.id).where(Plan.person_id == person.id)) is None:
            plan = _plan(session, person, worker)
            _fill(session, plan, worker, chi)
    _care_teams_and_consents(session, staff, agencies, people)
    _stepped_down(session, staff, agencies, people[STEPPED_DOWN])
    _teams_and_cover(session, staff, agencies)
    _directory(session, agencies)
    email, chi, password = INDIVIDUAL
    sarah_account = _get_or_add(
        session,
        User,
        {"email": email},
        kind=AccountKind.INDIVIDUAL,
        name="Sarah Mackenzie",
        roles=[],
        person_id=people[chi].id,
        password_hash=hash_password(password),
    )
    _living_plan(session, staff, agencies, people, sarah_account)
    _ask_and_act(session, staff, people)
    # A new member of staff invited and not yet signed in (the staff list shows it, with
    # "Send a new code"); the demo prints the code so anyone can try the invitation page.
    invited = _get_or_add(
        session,
        User,
        {"email": INVITED[0]},
        kind=AccountKind.STAFF,
        name=INVITED[1],
        roles=["practitioner"],
        agency_id=agencies[INVITED[2]].id,
    )
    if invited.password_hash is None and invited.invite_hash is None:
        invited.invite_hash = invitations.digest_of(INVITED[3])
        invited.invite_expires_at = clock.now() + invitations.LIFETIME
    _subject_access(session, staff, people)
    _supporter(session, people[chi], sarah_account)
    for demo_email, secret in DEMO_TOTP.items():
        user = staff[demo_email]
        if user.totp_confirmed_at is None:
            user.totp_secret = secret
            user.totp_confirmed_at = clock.now()
    lines = [
        f"{e:32} {p:22} {n} ({a or 'no agency'}; {', '.join(r)})"
        + (f"\n{'':32} authenticator key {DEMO_TOTP[e]}" if e in DEMO_TOTP else "")
        for e, n, a, r, p in STAFF
    ]
    lines.append(f"{email:32} {password:22} Sarah Mackenzie (individual: her own plan)")
    lines.append(f"{INVITED[0]:32} {'':22} {INVITED[1]}: invited, code {INVITED[3]}")
    s_email, s_name, s_password = SUPPORTER
    lines.append(f"{s_email:32} {s_password:22} {s_name} (supporter: Sarah's independent advocate)")
    return lines


def _subject_access(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Subject access requests (issue 18): Sarah's answered (her copy released to her own
    account), and one for Craig made by his advocate, in progress, for Priya's queue."""
    priya = staff["priya.shah@nhs.demo"]
    today = clock.today()
    sarah, craig = people[INDIVIDUAL[1]], people["1506821235"]
    if session.scalar(select(SubjectAccessRequest.id).limit(1)) is not None:
        return
    received = today - timedelta(days=20)
    sarah_request = SubjectAccessRequest(
        person_id=sarah.id,
        received_on=received,
        channel=Channel.THROUGH_STAFF,
        requested_by=RequestedBy.PERSON,
        identity_method=IdentityMethod.KNOWN_TO_STAFF,
        identity_checked_on=received,
        identity_checked_by_id=priya.id,
        starts_on=received,
        due_on=deadlines.due_on(received),
        status=RequestStatus.RELEASED,
        released_to=ReleasedTo.PERSON,
        completed_on=today - timedelta(days=6),
        completed_by_id=priya.id,
        created_by_id=priya.id,
    )
    asked = today - timedelta(days=12)
    craig_request = SubjectAccessRequest(
        person_id=craig.id,
        received_on=asked,
        channel=Channel.LETTER,
        requested_by=RequestedBy.REPRESENTATIVE,
        authority=Authority.SIGNED_AUTHORITY,
        authority_checked_by_id=priya.id,
        identity_method=IdentityMethod.DOCUMENTS,
        identity_checked_on=asked + timedelta(days=2),
        identity_checked_by_id=priya.id,
        starts_on=asked + timedelta(days=2),
        due_on=deadlines.due_on(asked + timedelta(days=2)),
        status=RequestStatus.IN_PROGRESS,
        created_by_id=priya.id,
    )
    craig_request.representative = "Ann Duncan (advocate, Partners in Advocacy)"
    session.add_all([sarah_request, craig_request])
    session.flush()


# Demo services (fictional, in HSDS 3.0's shape) and what this service adds to two of them:
# the council's housing support and the recovery cafe take referrals here.
DEMO_SERVICES = Path(__file__).parent / "directory" / "data" / "demo_services.json"
TAKES_REFERRALS = {
    "demo-housing-support": (
        HOUSING,
        "Refer through this service with the person's agreement; we answer within 5 working days.",
    ),
    "demo-recovery-cafe": (CAFE, "Refer through this service, or the person can walk in."),
}


def _directory(session: Session, agencies: dict[str, Agency]) -> None:
    found = sources.read(
        json.loads(DEMO_SERVICES.read_text()),
        hsds_source="demo",
        licence="Fictional demo data",
        attribution="Demo services: not real",
    )
    directory.import_services(session, found)
    for ref, (agency, how) in TAKES_REFERRALS.items():
        service = session.scalars(
            select(Service).where(Service.source == "demo", Service.source_ref == ref)
        ).one()
        if service.agency_id is None:
            service.agency_id = agencies[agency].id
            service.accepts_referrals = True
            service.referral_method = how
    session.flush()


DEMO_TEAM = "Leith recovery team"


def _teams_and_cover(session: Session, staff: dict[str, User], agencies: dict[str, Agency]) -> None:
    """The NHS team is organised in teams (issue 22): Ewan leads Leith, where Morag and
    Ali work, so the lead-agency rule narrows to that team; Morag has named Ali to cover
    her people during a week's leave next month."""
    team = session.scalar(
        select(Team).where(Team.agency_id == agencies[NHS].id, Team.name == DEMO_TEAM)
    )
    if team is None:
        team = Team(agency_id=agencies[NHS].id, name=DEMO_TEAM, version=1)
        team.members = [
            TeamMember(staff_id=staff["ewan.fraser@nhs.demo"].id, leader=True),
            TeamMember(staff_id=staff["morag.campbell@nhs.demo"].id, leader=False),
            TeamMember(staff_id=staff["ali.hassan@nhs.demo"].id, leader=False),
        ]
        session.add(team)
    morag, ali = staff["morag.campbell@nhs.demo"], staff["ali.hassan@nhs.demo"]
    if session.scalar(select(Cover.id).where(Cover.staff_id == morag.id)) is None:
        starts = clock.today() + timedelta(days=30)
        session.add(
            Cover(
                staff_id=morag.id,
                cover_id=ali.id,
                starts_on=starts,
                ends_on=starts + timedelta(days=6),
            )
        )
    session.flush()


def _plan(session: Session, person: Person, worker: User) -> Plan:
    keys = current_app.extensions["careplan.catalogue"].keys()
    return operations.create_plan(
        session,
        person,
        {
            "lead_agency_id": worker.agency_id,
            "key_worker_id": worker.id,
            "agreed_on": date(2026, 9, 1),
            "agreed_how": AgreedHow.IN_PERSON,
        },
        worker,
        keys,
    )


def _fill(session: Session, plan: Plan, worker: User, chi: str) -> None:
    from careplan.demo_content import CONTENT

    catalogue = current_app.extensions["careplan.catalogue"]
    for key, content in CONTENT.get(chi, {}).items():
        kind = catalogue.get(key)
        valid = kind.schema.dump(kind.schema.load(content))
        operations.update_section(
            session, operations.get_section(session, plan, key), valid, worker
        )


def _stepped_down(
    session: Session, staff: dict[str, User], agencies: dict[str, Agency], person: Person
) -> None:
    """Craig's plan: the recovery cafe in his care team with his consent to share his goals,
    then closed when he stepped down to the cafe (reopened by the cafe or his former key
    worker when he returns)."""
    plan = session.scalars(select(Plan).where(Plan.person_id == person.id)).one()
    if plan.closed_on is not None:
        return
    cafe = staff["jamie.robertson@cafe.demo"]
    _get_or_add(
        session,
        CareTeamMember,
        {"plan_id": plan.id, "staff_id": cafe.id},
        role="Peer support worker",
        valid_from=date(2026, 9, 1),
        how=MembershipHow.ADDED,
        added_by_id=plan.key_worker_id,
    )
    _get_or_add(
        session,
        Consent,
        {"person_id": person.id, "grantee_agency_id": agencies[CAFE].id},
        grantee_sector=None,
        effect=ConsentEffect.PERMIT,
        sections=["about_me", "goals"],
        purpose="direct_care",
        starts_on=date(2026, 9, 1),
        expires_on=date(2028, 9, 1),
        method=ConsentMethod.WRITTEN,
        recorded_by_id=plan.key_worker_id,
        evidence_note="Signed consent form scanned to agency record.",
    )
    operations.close(
        session,
        plan,
        {"reason": "support_complete", "closed_on": STEPPED_DOWN_ON},
        session.get(User, plan.key_worker_id),
    )


def _care_teams_and_consents(
    session: Session, staff: dict[str, User], agencies: dict[str, Agency], people: dict[str, Person]
) -> None:
    sarah, john = people["1204881235"], people["3009754566"]
    sarah_plan = session.scalars(select(Plan).where(Plan.person_id == sarah.id)).one()
    john_plan = session.scalars(select(Plan).where(Plan.person_id == john.id)).one()
    start = date(2026, 9, 1)
    for plan, email, role in (
        (sarah_plan, "fiona.reid@housing.demo", "Housing support worker"),
        (sarah_plan, "jamie.robertson@cafe.demo", "Peer support worker"),
        (john_plan, "gordon.bell@justice.demo", "Justice social worker"),
    ):
        _get_or_add(
            session,
            CareTeamMember,
            {"plan_id": plan.id, "staff_id": staff[email].id},
            role=role,
            valid_from=start,
            how=MembershipHow.ADDED,
            added_by_id=plan.key_worker_id,
        )
    morag = staff["morag.campbell@nhs.demo"]
    consents = (
        (
            sarah,
            agencies[HOUSING].id,
            None,
            ["housing", "money", "goals", "contacts"],
            ConsentEffect.PERMIT,
        ),
        (sarah, None, Sector.THIRD_SECTOR, ["about_me", "goals", "housing"], ConsentEffect.PERMIT),
        (sarah, agencies[JUSTICE].id, None, ["substance_use", "mental_health"], ConsentEffect.DENY),
        (john, agencies[JUSTICE].id, None, None, ConsentEffect.PERMIT),
    )
    for person, agency_id, sector, sections, effect in consents:
        _get_or_add(
            session,
            Consent,
            {
                "person_id": person.id,
                "grantee_agency_id": agency_id,
                "grantee_sector": sector,
                "effect": effect,
            },
            sections=sections,
            purpose="direct_care",
            starts_on=start,
            expires_on=date(2027, 9, 1),
            method=ConsentMethod.WRITTEN,
            recorded_by_id=morag.id if person is sarah else john_plan.key_worker_id,
            evidence_note="Signed consent form scanned to agency record.",
        )


def _ask_and_act(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Morag asked Sarah about her housing ten days ago (Housing (Scotland) Act 2025,
    Part 5): her tenancy may end; advice and a referral to the council offered and wanted;
    what came of it is not recorded yet."""
    sarah = people["1204881235"]
    session.flush()
    if session.scalar(select(HousingAsk.id).where(HousingAsk.person_id == sarah.id).limit(1)):
        return
    plan = session.scalars(select(Plan).where(Plan.person_id == sarah.id)).one()
    morag = staff["morag.campbell@nhs.demo"]
    wanted = ["housing_options", "homelessness_referral"]
    ask = HousingAsk(
        id=uuid.uuid4(),
        person_id=sarah.id,
        plan_id=plan.id,
        asked_on=clock.today() - timedelta(days=10),
        asked_by_id=morag.id,
        agency_id=morag.agency_id,
        agency_kind=morag.agency.kind.value,
        council_code="S12000036",  # City of Edinburgh
        under_duty=False,
        answer="at_risk",
        actions_offered=wanted,
        actions_accepted=wanted,
        version=1,
    )
    ask.note = "Her short-term let ends in January; she has nowhere arranged after it."
    session.add(ask)


def _supporter(session: Session, sarah: Person, sarah_account: User) -> None:
    """Sarah's independent advocate, with a place she chose (About me, My goals)."""
    email, name, password = SUPPORTER
    account = _get_or_add(
        session,
        User,
        {"email": email},
        kind=AccountKind.SUPPORTER,
        name=name,
        roles=[],
        password_hash=hash_password(password),
    )
    if session.scalar(select(Supporter.id).where(Supporter.account_id == account.id).limit(1)):
        return
    place = Supporter(
        id=uuid.uuid4(),
        person_id=sarah.id,
        account_id=account.id,
        relationship=SupporterRelationship.ADVOCATE,
        sections=list(SUPPORTER_SECTIONS),
        expires_on=clock.today() + timedelta(days=SUPPORTER_DAYS),
        created_by_id=sarah_account.id,
    )
    place.described_as = "my advocate"
    session.add(place)
    session.flush()


def _living_plan(
    session: Session,
    staff: dict[str, User],
    agencies: dict[str, Agency],
    people: dict[str, Person],
    sarah_account: User,
) -> None:
    """Sarah's last review (the person, her key worker, housing and the recovery cafe), its
    two actions and her next review date: seeded history, so no one is notified of it."""
    sarah = people["1204881235"]
    session.flush()  # ids for the rows just added
    if session.scalar(select(Meeting.id).where(Meeting.person_id == sarah.id).limit(1)):
        return
    plan = session.scalars(select(Plan).where(Plan.person_id == sarah.id)).one()
    morag = staff["morag.campbell@nhs.demo"]
    fiona = staff["fiona.reid@housing.demo"]
    jamie = staff["jamie.robertson@cafe.demo"]
    today = clock.today()
    meeting = Meeting(
        id=uuid.uuid4(),
        person_id=sarah.id,
        plan_id=plan.id,
        held_on=today - timedelta(days=14),
        kind=MeetingKind.REVIEW,
        person_attended=True,
        next_review_on=today + timedelta(days=42),
        version=1,
        recorded_by_id=morag.id,
        recorded_by_agency_id=morag.agency_id,
    )
    meeting.person_views = "I want a place of my own near my sister, away from the old crowd."
    meeting.summary = "Reviewed housing, the script and peer support. Sarah is doing well."
    meeting.decisions = "Push the housing application; start the Tuesday peer group."
    session.add(meeting)
    for position, who in enumerate((morag, fiona, jamie)):
        row = MeetingAttendee(
            id=uuid.uuid4(),
            meeting_id=meeting.id,
            position=position,
            staff_id=who.id,
            agency_name=who.agency.name if who.agency else None,
        )
        row.name = None
        session.add(row)
    plan.next_review_on = meeting.next_review_on
    # The care team's updates, which Sarah reads under each part of "My plan".
    for key, who, days_ago, text in (
        ("housing", fiona, 10, "Sent the housing application to the council. Decision due soon."),
        ("goals", jamie, 6, "Sarah came to the Tuesday peer group and wants to keep going."),
        ("housing", morag, 3, "Talked through the two areas Sarah wants to live in."),
    ):
        entry = Entry(
            id=uuid.uuid4(),
            plan_id=plan.id,
            section_key=key,
            occurred_on=today - timedelta(days=days_ago),
            author_id=who.id,
            author_agency_id=who.agency_id,
        )
        entry.text = text
        session.add(entry)
    for title, owner, agency, due in (
        ("Chase the housing application", fiona.id, None, today + timedelta(days=7)),
        (
            "Book a place at the Tuesday peer group",
            None,
            agencies[CAFE].id,
            today - timedelta(days=1),
        ),
    ):
        task = Task(
            id=uuid.uuid4(),
            person_id=sarah.id,
            owner_staff_id=owner,
            owner_agency_id=agency,
            due_on=due,
            source=TaskSource.MEETING,
            source_id=meeting.id,
            created_by_id=morag.id,
        )
        task.title = title
        session.add(task)
    # A request of Sarah's waiting for Morag's answer (a task for her, due in two weeks).
    correction = Correction(
        id=uuid.uuid4(),
        person_id=sarah.id,
        section_key="contacts",
        status=CorrectionStatus.WAITING,
        requested_by_id=sarah_account.id,
    )
    correction.text = "My sister's name is spelt Eilidh, not Eilid."
    answer_task = Task(
        id=uuid.uuid4(),
        person_id=sarah.id,
        owner_staff_id=morag.id,
        due_on=today + timedelta(days=14),
        source=TaskSource.CORRECTION,
        source_id=correction.id,
        section_key=correction.section_key,
        created_by_id=morag.id,
    )
    answer_task.title = "Answer a request to correct \u201cContacts and appointments\u201d"
    session.add(answer_task)
    correction.task_id = answer_task.id
    session.add(correction)
    session.flush()
