"""Who is asking: the signed-in account as the policy sees it, with no database behind it."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any


class Role(enum.StrEnum):
    """Staff roles. Key worker is not a role: it is an assignment on a plan."""

    PRACTITIONER = "practitioner"
    IG_OFFICER = "ig_officer"
    ADMIN = "admin"
    # Keeps the service directory's local fields (thresholds, how to refer); no basis on
    # any person: held beside "practitioner" or alone.
    DIRECTORY_MANAGER = "directory_manager"
    # Answers the agency's incoming referrals (issue 19: "staff with a referral role
    # there"); reaches a referred person only through the referral, beside "practitioner".
    REFERRAL_COORDINATOR = "referral_coordinator"


# Roles that must never see plan content, whatever else the account holds (BRIEF.md:
# IG officers audit access, administrators run accounts; neither reads plans).
PRIVILEGED = frozenset({Role.IG_OFFICER, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Subject:
    """The caller. `roles`: staff roles held (an individual holds none); `agency_id` and
    `sector`: the staff member's agency; `person_id`: the individual's own person."""

    id: uuid.UUID
    is_individual: bool
    roles: frozenset[Role] = frozenset()
    agency_id: uuid.UUID | None = None
    sector: str | None = None
    person_id: uuid.UUID | None = None
    # A deactivated account is refused everything by the policy, whatever it held.
    active: bool = True
    # A supporter (family, carer, advocate; issue 20): no roles, no agency; reaches a
    # person only through the supporter tie (careplan.access.ties.Supporter).
    is_supporter: bool = False

    @classmethod
    def of(cls, user: Any) -> Subject:
        """From an account row (`careplan.accounts.models.User` or the like)."""
        individual = bool(user.is_individual)
        agency = user.agency
        return cls(
            id=user.id,
            is_individual=individual,
            roles=frozenset() if individual else frozenset(Role(r) for r in user.roles or ()),
            agency_id=user.agency_id,
            sector=agency.sector.value if agency is not None else None,
            person_id=user.person_id,
            active=bool(getattr(user, "active", True)),
            is_supporter=bool(getattr(user, "is_supporter", False)),
        )

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_practitioner(self) -> bool:
        """A practitioner who holds no role barred from plan content: the only staff who
        may reach a person through a relationship (the one copy of this rule)."""
        return Role.PRACTITIONER in self.roles and not (self.roles & PRIVILEGED)
