"""A small world for access tests: two agencies, everyone who might ask, two people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from careplan.accounts.models import User
from careplan.agencies.models import Agency, AgencyKind, Sector
from careplan.directory.models import LOCAL, Organization, Service
from careplan.people.models import Person
from careplan.plans.models import CareTeamMember, MembershipHow, Plan
from careplan.tasks.models import Task, TaskSource
from consent.models import Consent, SharingAgreement
from tests import snapshot
from tests.support import World

CHI_P = "1204881235"


@dataclass
class Scene:
    lead: Agency
    other_agency: Agency
    key_worker: User
    colleague: User
    outsider: User
    ig: User
    admin: User
    spare: User
    person: Person
    plan: Plan
    individual: User
    other_person: Person
    other_individual: User
    member: CareTeamMember
    consent: Consent
    service: Service  # a local service in the directory
    # An open action for the person owned by the other agency's practitioner (outside the
    # care team): the task-owner basis (careplan.access.rules.TASK).
    task: Task | None = None

    def role(self, name: str) -> User | None:
        return {
            "key_worker": self.key_worker,
            "lead_agency": self.colleague,
            "other_agency": self.outsider,
            "self": self.individual,
            "other_individual": self.other_individual,
            "ig_officer": self.ig,
            "admin": self.admin,
            "anonymous": None,
        }[name]


def build_scene(world: World) -> Scene:
    """The scene, built on the first call and copied on later ones (tests/snapshot.py)."""
    return snapshot.built_once("scene", lambda: _build(world))


def _build(world: World) -> Scene:
    lead = world.agency("Lead NHS team")
    other = world.agency("Other council team")
    key_worker = world.staff(lead, name="Kay Worker")
    colleague = world.staff(lead, name="Colleague")
    outsider = world.staff(other, name="Outsider")
    ig = world.staff(lead, roles=("ig_officer",), name="IG Officer")
    admin = world.staff(None, roles=("admin",), name="Admin")
    spare = world.staff(lead, name="Spare Practitioner")
    person = world.person(key_worker, chi=CHI_P, given_name="Sarah", family_name="Mackenzie")
    plan = world.plan(person, key_worker)
    other_person = world.person(outsider)
    world.plan(other_person, outsider)
    member = CareTeamMember(
        plan_id=plan.id,
        staff_id=spare.id,
        role="Nurse",
        valid_from=plan.agreed_on,
        how=MembershipHow.ADDED,
        added_by_id=key_worker.id,
    )
    world.session.add(member)
    for agency in (lead, other):
        world.session.add(
            SharingAgreement(
                agency_id=agency.id,
                max_sensitivity="sensitive",
                sections=None,
                lawful_basis="art6_1_e_art9_2_h",
                valid_until=date(2030, 1, 1),
                created_by_id=admin.id,
            )
        )
    consent = Consent(
        person_id=person.id,
        grantee_sector="third_sector",
        sections=["housing"],
        effect="permit",
        starts_on=date(2026, 1, 1),
        expires_on=date(2030, 1, 1),
        method="written",
        recorded_by_id=key_worker.id,
    )
    world.session.add(consent)
    organization = Organization(name="Community Food Bank", source=LOCAL, source_ref="org-1")
    service = Service(
        organization=organization,
        name="Food bank drop-in",
        source=LOCAL,
        source_ref="svc-1",
        version=1,
        search_text="food bank drop-in community food bank",
    )
    world.session.add(service)
    task = Task(
        person_id=person.id,
        owner_staff_id=outsider.id,
        due_on=date(2026, 12, 1),
        source=TaskSource.MEETING,
        created_by_id=key_worker.id,
    )
    task.title = "Hold the room at the hostel until Friday"
    world.session.add(task)
    world.session.commit()
    return Scene(
        lead,
        other,
        key_worker,
        colleague,
        outsider,
        ig,
        admin,
        spare,
        person,
        plan,
        world.individual(person),
        other_person,
        world.individual(other_person),
        member,
        consent,
        service,
        task,
    )


def paths(s: Scene) -> dict[str, Any]:
    return {
        "p": s.person.id,
        "m": s.member.id,
        "lead": s.lead.id,
        "spare": s.spare.id,
        "colleague": s.colleague.id,
        "outsider": s.outsider.id,
        "c": s.consent.id,
        "svc": s.service.id,
        "t": s.task.id,
    }


# --- Builders for what a test adds to the scene (agencies in the care team, consents) ---


def agreement(
    world: World,
    scene: Scene,
    agency: Agency,
    ceiling: str = "sensitive",
    lawful_basis: str = "art6_1_e_art9_2_h",
    sections: list[str] | None = None,
) -> SharingAgreement:
    """An information-sharing agreement for `agency`, in force until 2030 (added, not
    committed)."""
    row = SharingAgreement(
        agency_id=agency.id,
        max_sensitivity=ceiling,
        sections=sections,
        lawful_basis=lawful_basis,
        valid_until=date(2030, 1, 1),
        created_by_id=scene.admin.id,
    )
    world.session.add(row)
    return row


def care_team_agency(
    world: World,
    scene: Scene,
    name: str,
    staff_name: str,
    role: str,
    *,
    sector: Sector,
    kind: AgencyKind,
    ceiling: str,
    lawful_basis: str = "art6_1_e_art9_2_h",
) -> tuple[User, Agency]:
    """An agency with an agreement (`ceiling`) and one of its staff in the person's care
    team as `role` since the plan was agreed; committed."""
    agency = world.agency(name, sector=sector, kind=kind)
    member = world.staff(agency, name=staff_name)
    agreement(world, scene, agency, ceiling, lawful_basis)
    world.session.add(
        CareTeamMember(
            plan_id=scene.plan.id,
            staff_id=member.id,
            role=role,
            valid_from=scene.plan.agreed_on,
            how=MembershipHow.ADDED,
            added_by_id=scene.key_worker.id,
        )
    )
    world.session.commit()
    return member, agency


def consent(
    world: World,
    scene: Scene,
    agency: Agency,
    sections: list[str] | None,
    effect: str = "permit",
    **fields: Any,
) -> Consent:
    """The person's consent (`effect` "permit") or refusal ("deny") for `agency` over
    `sections` (None: all), from 2026 to 2030 unless `fields` say otherwise (added and
    flushed, not committed)."""
    row = Consent(
        person_id=scene.person.id,
        grantee_agency_id=agency.id,
        sections=sections,
        effect=effect,
        starts_on=date(2026, 1, 1),
        **{
            "expires_on": date(2030, 1, 1),
            "method": "written",
            "recorded_by_id": scene.key_worker.id,
            **fields,
        },
    )
    world.session.add(row)
    world.session.flush()
    return row
