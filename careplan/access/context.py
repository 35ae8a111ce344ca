"""Everything the policy knows about one caller and one person, as plain frozen records.

A context is loaded once per request (or per job) by the loaders that relationship
sources provide (`careplan.access.sources`), in a fixed number of queries however many
consents and sections there are, so that `decide` is a pure function of it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from careplan.access.permissions import Permission
from careplan.access.subject import Subject


@dataclass(frozen=True, slots=True)
class ConsentFact:
    """A consent (`permit`) or refusal naming an agency or a whole sector.
    `sections`: None means every section."""

    id: uuid.UUID
    agency_id: uuid.UUID | None
    sector: str | None
    sections: frozenset[str] | None
    permit: bool
    starts_on: date
    expires_on: date | None
    withdrawn: bool
    purpose: str = "direct_care"  # what the person agreed to share for
    # The referral this consent travels with (issue 19), None for any other consent.
    referral_id: uuid.UUID | None = None

    def covers(self, section: str) -> bool:
        return self.sections is None or section in self.sections

    def status(self, today: date) -> str:
        """withdrawn, expired, not_started or active, on the given day."""
        if self.withdrawn:
            return "withdrawn"
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        if self.starts_on > today:
            return "not_started"
        return "active"


@dataclass(frozen=True, slots=True)
class AgreementFact:
    """The caller's agency's information-sharing agreement in force: the ceiling on what
    any consent can open (`max_sensitivity`, and `sections` when it names them)."""

    id: uuid.UUID
    max_sensitivity: int
    sections: frozenset[str] | None
    valid_until: date


@dataclass(frozen=True, slots=True)
class MembershipFact:
    """The caller's place on the person's care team (added, or claimed and under review).
    `active`: the member's account is active; a deactivated account's place is never
    current (the same rule as `CareTeamMember.is_current`)."""

    id: uuid.UUID
    valid_from: date
    valid_to: date | None
    ended_at: datetime | None
    active: bool = True
    # A warm hand-over: the previous key worker's read-only place (careplan.access.ties).
    warm_hand_over: bool = False

    def current(self, today: date, now: datetime) -> bool:
        if not self.active:
            return False
        if self.ended_at is not None and self.ended_at <= now:
            return False
        return self.valid_from <= today and (self.valid_to is None or self.valid_to >= today)


@dataclass(frozen=True, slots=True)
class BreakGlassFact:
    """An emergency access the caller invoked: in force from `invoked_at` until
    `expires_at` (UTC)."""

    id: uuid.UUID
    invoked_at: datetime
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        return self.invoked_at <= now < self.expires_at


@dataclass(frozen=True, slots=True)
class TeamFact:
    """The lead agency's teams as they bear on the caller and the plan's key worker.

    `organised`: the lead agency has teams (otherwise the lead-agency rule holds for all
    its practitioners); `shared`: teams both the caller and the key worker are members
    of; `led`: teams of the key worker's the caller leads."""

    organised: bool = False
    shared: frozenset[uuid.UUID] = frozenset()
    led: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True, slots=True)
class CoverFact:
    """The caller covering the plan's key worker from `starts_on` to `ends_on` (days in
    Scotland, inclusive), unless stopped early (`ended`)."""

    id: uuid.UUID
    starts_on: date
    ends_on: date
    ended: bool = False

    def in_force(self, today: date) -> bool:
        return not self.ended and self.starts_on <= today <= self.ends_on


@dataclass(frozen=True, slots=True)
class TaskFact:
    """One task asked about (`Resource.record` for a task).

    `section`: the catalogue key of the section the task is about (a goal's action:
    "goals"; a correction's: the section to correct; a crisis follow-up: the section the
    crisis is about, `careplan.crisis.models.ABOUT`), None for an action about the plan
    as a whole (a meeting's, a hand-over's). `follows`: a permission the caller's basis
    on the plan must also hold to see it (a meeting's action follows what was said at the
    meeting, MEETING_CONTENT_VIEW; a correction's follows CORRECTION_VIEW), None for
    none. `owner_staff_id`/`owner_agency_id`: its owner, one of the two."""

    id: uuid.UUID
    person_id: uuid.UUID
    section: str | None = None
    follows: Permission | None = None
    owner_staff_id: uuid.UUID | None = None
    owner_agency_id: uuid.UUID | None = None

    def owned_by(self, user_id: uuid.UUID, agency_id: uuid.UUID | None) -> bool:
        """Whether the account, or its agency, owns this task."""
        if self.owner_staff_id is not None:
            return self.owner_staff_id == user_id
        return agency_id is not None and self.owner_agency_id == agency_id


@dataclass(frozen=True, slots=True)
class TaskOwnerFact:
    """A task for the person that the caller, or the caller's agency, owns (any status:
    an owner may reopen an action they closed by mistake), with the section it is about
    (None: the plan as a whole; `TaskFact.section`)."""

    id: uuid.UUID
    section: str | None = None


@dataclass(frozen=True, slots=True)
class SupporterFact:
    """The caller's place as a supporter of the person (issue 20): the sections the person
    chose, until `expires_on` (a day in Scotland, inclusive), unless ended (`ended`)."""

    id: uuid.UUID
    sections: frozenset[str]
    expires_on: date
    ended: bool = False

    def in_force(self, today: date) -> bool:
        return not self.ended and today <= self.expires_on


@dataclass(frozen=True, slots=True)
class ReferralFact:
    """One referral as the policy sees it: whose it is, who made it, which agency
    receives it (None: a service not on the platform, answered by letter), and who at
    that agency took it on."""

    id: uuid.UUID
    person_id: uuid.UUID
    referrer_id: uuid.UUID
    receiving_agency_id: uuid.UUID | None
    taken_by_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AccessContext:
    """The caller (`subject`) and one person as the policy sees them.

    `person`: the person's row (handlers use it; the policy reads only its id), None for a
    job that is about no person; `plan`: the plan row or None, of which the policy reads
    the key worker, the lead agency and `closed_on`; `sensitivity`: section key -> level
    (1 standard, 2 sensitive, 3 restricted) in catalogue order; the rest come from the
    relationship sources.
    """

    subject: Subject
    person: Any
    plan: Any
    now: datetime
    today: date
    registered_person: bool = False
    sensitivity: Mapping[str, int] = field(default_factory=dict)
    memberships: tuple[MembershipFact, ...] = ()
    consents: tuple[ConsentFact, ...] = ()
    agreement: AgreementFact | None = None
    break_glass: tuple[BreakGlassFact, ...] = ()
    # The request's purpose of access (careplan.access.purposes): a consent serves only
    # the purposes it was given for.
    purpose: str = "direct_care"
    # The sections the person writes themselves (the catalogue's `person_writes`): the
    # only ones their own basis may change.
    person_writes: frozenset[str] = frozenset()
    # The lead agency's teams (None: not loaded, as for a caller outside the lead agency)
    # and the caller's covers of the key worker (careplan.teams.models).
    teams: TeamFact | None = None
    covers: tuple[CoverFact, ...] = ()
    # Tasks for the person owned by the caller or their agency (`ties.TaskOwner`); loaded
    # only for a practitioner who is neither key worker nor in the lead agency.
    tasks_owned: tuple[TaskOwnerFact, ...] = ()
    # The caller's supporter places for the person (`ties.Supporter`); loaded only for a
    # supporter's account.
    supporters: tuple[SupporterFact, ...] = ()

    @classmethod
    def for_job(cls, subject: Subject, now: datetime, today: date) -> AccessContext:
        """A context about no person, for permissions granted by role alone. `now`: naive
        UTC; `today`: the day in Scotland at `now` (careplan.core.clock.day_of)."""
        return cls(subject=subject, person=None, plan=None, now=now, today=today)

    @property
    def is_self(self) -> bool:
        subject = self.subject
        return (
            subject.is_individual
            and self.person is not None
            and subject.person_id is not None
            and subject.person_id == self.person.id
        )

    @property
    def is_key_worker(self) -> bool:
        return self.plan is not None and self.plan.key_worker_id == self.subject.id

    @property
    def in_lead_agency(self) -> bool:
        agency = self.subject.agency_id
        return self.plan is not None and agency is not None and self.plan.lead_agency_id == agency

    @property
    def team_organised(self) -> bool:
        """The lead agency is organised in teams: its staff reach plans by team."""
        return self.teams is not None and self.teams.organised

    @functools.cached_property
    def active_cover(self) -> CoverFact | None:
        active = [c for c in self.covers if c.in_force(self.today)]
        return min(active, key=lambda c: str(c.id)) if active else None

    # Derived once: the policy asks for them for every section of the plan.
    @functools.cached_property
    def in_care_team(self) -> bool:
        return any(m.current(self.today, self.now) for m in self.memberships)

    @functools.cached_property
    def warm_hand_over(self) -> MembershipFact | None:
        """The caller's current read-only place as previous key worker, if any."""
        places = [
            m for m in self.memberships if m.warm_hand_over and m.current(self.today, self.now)
        ]
        return min(places, key=lambda m: str(m.id)) if places else None

    @functools.cached_property
    def consents_for_me(self) -> tuple[ConsentFact, ...]:
        """Consents naming the caller's agency or its whole sector, lowest id first (the
        policy takes the first that applies, whatever order they were recorded in)."""
        agency, sector = self.subject.agency_id, self.subject.sector
        mine = (
            c
            for c in self.consents
            if (c.agency_id is not None and c.agency_id == agency)
            or (c.sector is not None and c.sector == sector)
        )
        return tuple(sorted(mine, key=lambda c: str(c.id)))

    @functools.cached_property
    def active_supporter(self) -> SupporterFact | None:
        """The caller's supporter place in force today, if any (one per person and
        account; the lowest id should there ever be two)."""
        active = [s for s in self.supporters if s.in_force(self.today)]
        return min(active, key=lambda s: str(s.id)) if active else None

    @functools.cached_property
    def tie_memo(self) -> dict[str | None, Any] | None:
        """What the ties answered (`careplan.access.policy`) for each section key (None:
        the plan or person as a whole), kept for this context when nothing the ties read
        can change under it: no plan, or the plan a plain frozen row (as read-only views
        load it). A page asks three questions of each section and a dozen of the plan,
        each walking the same ties. None: not kept (an ORM plan a handler may change
        between two decisions, as a hand-over does)."""
        params = getattr(type(self.plan), "__dataclass_params__", None)
        if self.plan is None or (params is not None and params.frozen):
            return {}
        return None

    @functools.cached_property
    def active_break_glass(self) -> BreakGlassFact | None:
        active = [b for b in self.break_glass if b.active(self.now)]
        return min(active, key=lambda b: str(b.id)) if active else None
