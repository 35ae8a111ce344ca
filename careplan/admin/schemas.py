"""Agencies and their information-sharing agreements (administrators only)."""

from __future__ import annotations

from marshmallow import fields, validate

from careplan.agencies.models import AgencyKind, Sector
from careplan.core.schemas import BaseSchema, OneLine
from consent.models import LawfulBasis

SENSITIVITIES = ("standard", "sensitive", "restricted")


class AgencySchema(BaseSchema):
    id = fields.UUID(dump_only=True)
    name = OneLine(required=True, validate=validate.Length(min=2, max=200))
    sector = fields.Enum(Sector, by_value=True, required=True)
    kind = fields.Enum(AgencyKind, by_value=True, required=True)


class SharingAgreementSchema(BaseSchema):
    id = fields.UUID(dump_only=True)
    agency_id = fields.UUID(dump_only=True)
    max_sensitivity = fields.Str(required=True, validate=validate.OneOf(SENSITIVITIES))
    sections = fields.List(
        fields.Str(), required=True, allow_none=True, validate=validate.Length(max=100)
    )
    lawful_basis = fields.Enum(
        LawfulBasis, by_value=True, load_default=LawfulBasis.PUBLIC_TASK_HEALTH_CARE
    )
    valid_until = fields.Date(required=True)


agency_schema = AgencySchema()
agencies_out = AgencySchema(many=True)
agreement_schema = SharingAgreementSchema()
