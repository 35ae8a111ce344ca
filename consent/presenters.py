"""Consent records as the API shows them."""

from __future__ import annotations

from typing import Any

from careplan.core import clock
from careplan.core.clock import iso
from consent.facts import consent_fact
from consent.models import Consent


def consent(row: Consent, names: dict[Any, Any]) -> dict[str, Any]:
    agency = names.get(row.grantee_agency_id)
    recorder = names.get(row.recorded_by_id)
    withdrawer = names.get(row.withdrawn_by_id)
    return {
        "id": row.id,
        "grantee": {
            "agency_id": row.grantee_agency_id,
            "agency_name": agency.name if agency else None,
            "sector": row.grantee_sector.value if row.grantee_sector else None,
        },
        "sections": row.sections,
        "purpose": row.purpose,
        "effect": row.effect.value,
        "starts_on": row.starts_on,
        "expires_on": row.expires_on,
        "method": row.method.value,
        "evidence_note": row.evidence_note,
        "recorded_by": {"id": row.recorded_by_id, "name": recorder.name if recorder else ""},
        "recorded_at": iso(row.recorded_at),
        "withdrawn_at": iso(row.withdrawn_at),
        "withdrawn_by": {"id": withdrawer.id, "name": withdrawer.name} if withdrawer else None,
        "withdrawn_reason": row.withdrawn_reason,
        "status": status(row),
        "version": 2 if row.withdrawn_at else 1,
    }


def status(row: Consent) -> str:
    """active, not_started, expired or withdrawn: the same rule the decision applies."""
    return consent_fact(row).status(clock.today())
