"""The answer of the access policy: permit with a basis, or deny with a reason.

Both are typed values. Their text form (`consent:<id>`, `refused:<id>`) is what audit
records and API bodies carry; `Basis.parse` and `Denial.parse` read it back, in this one
place, for pages that explain a stored record in words.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any


class BasisKind(enum.StrEnum):
    """Why a permit was given. Those marked (ref) name the record that grants it."""

    SELF = "self"  # the person themselves
    KEY_WORKER = "key_worker"
    LEAD_AGENCY = "lead_agency"  # an agency not organised in teams: all its practitioners
    # Where the lead agency is organised in teams (issue 22, Caldicott principles 3 and 4):
    KEY_WORKER_TEAM = "key_worker_team"  # a member of a team the key worker belongs to
    TEAM_LEADER = "team_leader"  # leads a team the key worker belongs to: reads, supervises
    COVER = "cover"  # (ref) covering the key worker's absence for dates they named
    REGISTERED = "registered"  # registered the person, who has no plan yet
    CONSENT = "consent"  # (ref) a consent covering the caller's agency and the section
    BREAK_GLASS = "breakglass"  # (ref) an emergency access in force
    ROLE = "role"  # a job granted by a staff role
    ACCOUNT = "account"  # the caller's own account
    SIGNED_IN = "signed_in"  # any active account: reference data such as the directory
    # (ref) the previous key worker's read-only place after a hand-over to another lead
    # agency (a warm hand-over), until it ends
    HANDED_OVER = "handed_over"
    TASK_OWNER = "task_owner"  # (ref) owns a task for the person (the account or its agency)
    REFERRER = "referrer"  # (ref) made the referral named
    REFERRAL = "referral"  # (ref) the receiving agency of the referral named
    # (ref) a family member, carer or advocate the person chose to show some sections to,
    # until a date (issue 20)
    SUPPORTER = "supporter"


class DenialKind(enum.StrEnum):
    """Why a request was refused. REFUSED names (ref) the person's refusal."""

    ROLE = "role"
    NO_RELATIONSHIP = "no_relationship"
    NO_CONSENT = "no_consent"
    REFUSED = "refused"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    NO_AGREEMENT = "no_agreement"
    AGREEMENT_CEILING = "agreement_ceiling"
    AGREEMENT_EXPIRED = "agreement_expired"
    READ_ONLY = "read_only"
    NO_PLAN = "no_plan"
    HAS_PLAN = "has_plan"
    CLOSED = "closed"
    NOT_FOUND = "not_found"
    PURPOSE = "purpose"  # a consent that covers this, but not for the request's purpose


def _text(kind: enum.StrEnum, ref: object) -> str:
    return kind.value if ref is None else f"{kind.value}:{ref}"


def _split(text: str, kinds: type[enum.StrEnum], named: frozenset[str]) -> tuple[Any, Any]:
    """(kind, ref) of a stored `kind[:ref]`; ref is a UUID unless the kind is in `named`.
    Raises ValueError for text this policy does not write."""
    name, _, ref = text.partition(":")
    kind = kinds(name)
    if not ref:
        return kind, None
    return kind, ref if name in named else uuid.UUID(ref)


@dataclass(frozen=True, slots=True)
class Basis:
    """`ref`: the granting record's id (consent, break-glass), or the role's name."""

    kind: BasisKind
    ref: uuid.UUID | str | None = None

    def __str__(self) -> str:
        return _text(self.kind, self.ref)

    @classmethod
    def parse(cls, text: str) -> Basis | None:
        """A stored basis read back (None: not one this policy writes, e.g. older text)."""
        try:
            return cls(*_split(text, BasisKind, frozenset({BasisKind.ROLE.value})))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Denial:
    """`ref`: the person's refusal that decided it, for REFUSED."""

    kind: DenialKind
    ref: uuid.UUID | None = None

    def __str__(self) -> str:
        return _text(self.kind, self.ref)

    @classmethod
    def parse(cls, text: str) -> Denial | None:
        """A stored reason read back (None: not one this policy writes)."""
        try:
            return cls(*_split(text, DenialKind, frozenset()))
        except ValueError:
            return None


# The reasons without a reference, made once (the plan view asks for dozens).
DENIALS = {kind: Denial(kind) for kind in DenialKind}

# What a refusal says to the person refused, where the reason alone would not tell them
# what to do (the rest answer "You do not have permission to do this.").
DENIAL_MESSAGES: dict[DenialKind, str] = {
    DenialKind.PURPOSE: (
        "The person agreed to share this for their care, not for the purpose this request "
        "gives. Ask with the purpose their agreement covers, or ask their key worker."
    ),
    DenialKind.HAS_PLAN: (
        "This person already has a care plan. If it is closed, their former key worker or "
        "lead agency can reopen it with their agreement, keeping its history."
    ),
    DenialKind.CLOSED: (
        "This plan is closed. It can still be read, but nothing can be added to it or "
        "shared from it. A refusal, a withdrawal or ending someone's place in the care "
        "team can still be recorded."
    ),
}
BASES = {kind: Basis(kind) for kind in BasisKind}


@dataclass(frozen=True, slots=True)
class Decision:
    permit: bool
    basis: Basis | None = None
    denial: Denial | None = None

    @classmethod
    def allow(cls, basis: Basis) -> Decision:
        return cls(True, basis=basis)

    @classmethod
    def deny(cls, denial: Denial | DenialKind) -> Decision:
        if isinstance(denial, DenialKind):
            denial = DENIALS[denial]
        return cls(False, denial=denial)

    @property
    def reason(self) -> str | None:
        """The denial as audit records and error bodies carry it (None for a permit)."""
        return None if self.denial is None else str(self.denial)

    @property
    def basis_text(self) -> str | None:
        """The basis as audit records and API bodies carry it (None for a denial)."""
        return None if self.basis is None else str(self.basis)
