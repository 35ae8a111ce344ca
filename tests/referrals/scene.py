"""The access scene with a service to refer to: Sarah's key worker (lead NHS team) refers
her to a housing service run by the other (council) team, whose referral coordinator
answers it. Another council practitioner holds no referral role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from careplan.accounts.models import User
from careplan.directory.models import LOCAL, Organization, Service
from tests.api.scene import Scene, build_scene
from tests.support import World

HOUSING = {"content": {"preferred_areas": ["Gorgie"]}}


@dataclass
class ReferralScene:
    base: Scene
    housing_service: Service  # on the platform: linked to the other agency
    letter_service: Service  # not on the platform: referred to by letter
    coordinator: User  # the other agency's referral coordinator

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)


def build(world: World) -> ReferralScene:
    """The access scene (copied from its snapshot) and the referral parts added to it."""
    base = build_scene(world)
    coordinator = world.staff(
        base.other_agency, roles=("practitioner", "referral_coordinator"), name="Cora Ordinator"
    )
    council = Organization(name="City Council Housing", source=LOCAL, source_ref="org-h")
    housing = Service(
        organization=council,
        name="Housing options",
        source=LOCAL,
        source_ref="svc-h",
        version=1,
        search_text="housing options city council housing",
        accepts_referrals=True,
        agency_id=base.other_agency.id,
    )
    letter = Service(
        organization=Organization(name="Hillside Trust", source=LOCAL, source_ref="org-l"),
        name="Hillside recovery cafe",
        source=LOCAL,
        source_ref="svc-l",
        version=1,
        search_text="hillside recovery cafe",
    )
    world.session.add_all([housing, letter])
    world.session.commit()
    return ReferralScene(base, housing, letter, coordinator)


def referral_body(scene: ReferralScene, **changes: Any) -> dict[str, Any]:
    body = {
        "service_id": str(scene.housing_service.id),
        "reason": "Sarah is sofa surfing and needs a tenancy before winter.",
        "urgency": "soon",
        "sections": ["housing", "substance_use"],
        "do_not_contact": False,
        "contact_note": None,
        "consent": {"method": "verbal", "agreed_on": "2026-11-01"},
    }
    body.update(changes)
    return body
