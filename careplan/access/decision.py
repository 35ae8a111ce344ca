"""The answer of the access policy: permit with a basis, or deny with a reason.

Both are typed values. Their text form (`consent:<id>`, `refused:<id>`) is what audit
records and API bodies carry; `Basis.parse` and `Denial.parse` read it back, in this one
place, for pages that explain a stored record in words.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass


class BasisKind(enum.StrEnum):
    """Why a permit was given. Those marked (ref) name the record that grants it."""

    SELF = "self"  # the person themselves
    KEY_WORKER = "key_worker"
    LEAD_AGENCY = "lead_agency"
    REGISTERED = "registered"  # registered the person, who has no plan yet
    CONSENT = "consent"  # (ref) a consent covering the caller's agency and the section
    BREAK_GLASS = "breakglass"  # (ref) an emergency access in force
    ROLE = "role"  # a job granted by a staff role
    ACCOUNT = "account"  # the caller's own account


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


@dataclass(frozen=True, slots=True)
class Basis:
    """`ref`: the granting record's id (consent, break-glass), or the role's name."""

    kind: BasisKind
    ref: uuid.UUID | str | None = None

    def __str__(self) -> str:
        return self.kind.value if self.ref is None else f"{self.kind.value}:{self.ref}"

    @classmethod
    def parse(cls, text: str) -> Basis | None:
        """A stored basis read back (None: not one this policy writes, e.g. older text)."""
        name, _, ref = text.partition(":")
        try:
            kind = BasisKind(name)
            if kind is BasisKind.ROLE:
                return cls(kind, ref or None)
            return cls(kind, uuid.UUID(ref) if ref else None)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Denial:
    kind: DenialKind
    ref: uuid.UUID | None = None

    def __str__(self) -> str:
        return self.kind.value if self.ref is None else f"{self.kind.value}:{self.ref}"

    @classmethod
    def parse(cls, text: str) -> Denial | None:
        name, _, ref = text.partition(":")
        try:
            kind = DenialKind(name)
            return cls(kind, uuid.UUID(ref) if ref else None)
        except ValueError:
            return None


# The reasons without a reference, made once (the plan view asks for dozens).
DENIALS = {kind: Denial(kind) for kind in DenialKind}
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
