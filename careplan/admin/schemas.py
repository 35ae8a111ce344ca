"""Agencies and their information-sharing agreements (administrators only)."""

from __future__ import annotations

from datetime import date, timedelta

from marshmallow import fields, validate

from careplan.access.subject import Role
from careplan.agencies.models import AgencyKind, Sector
from careplan.core import clock
from careplan.core.schemas import EACH_SECTION_ONCE, BaseSchema, DayRange, Distinct, OneLine
from consent.models import LawfulBasis

SENSITIVITIES = ("standard", "sensitive", "restricted")
# An information-sharing agreement is reviewed at least this often (days in Scotland).
AGREEMENT_YEARS = 5


def _agreement_horizon() -> date:
    return clock.today() + timedelta(days=365 * AGREEMENT_YEARS + 1)


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
        fields.Str(),
        required=True,
        allow_none=True,
        validate=[validate.Length(max=100), Distinct(EACH_SECTION_ONCE)],
    )
    lawful_basis = fields.Enum(
        LawfulBasis, by_value=True, load_default=LawfulBasis.PUBLIC_TASK_HEALTH_CARE
    )
    valid_until = fields.Date(
        required=True,
        validate=DayRange(
            clock.today,
            _agreement_horizon,
            f"Give an end date from today up to {AGREEMENT_YEARS} years ahead: an agreement "
            "is reviewed at least that often.",
        ),
    )


class DeactivateSchema(BaseSchema):
    """`hand_over_to`: an active practitioner of the same organisation who becomes key
    worker for every open plan the account held (the person's agreement to be recorded
    later); none: those plans wait in the "needs a new key worker" list (issue 22)."""

    hand_over_to = fields.UUID(load_default=None, allow_none=True)


class PlansMovedSchema(BaseSchema):
    handed_over = fields.Int()  # plans now held by `handed_over_to`
    handed_over_to = fields.UUID(allow_none=True)
    needing_key_worker = fields.Int()  # plans left in the list for the lead agency


class DeactivatedSchema(BaseSchema):
    id = fields.UUID()
    email = fields.Str()
    name = fields.Str()
    agency_id = fields.UUID(allow_none=True)
    roles = fields.List(fields.Str())
    active = fields.Bool()
    plans = fields.Nested(PlansMovedSchema)


agency_schema = AgencySchema()
agencies_out = AgencySchema(many=True)
agreement_schema = SharingAgreementSchema()
deactivate_schema = DeactivateSchema()
deactivated_out = DeactivatedSchema()


STAFF_STATUSES = ("active", "invited", "deactivated")


class StaffFilterSchema(BaseSchema):
    """The staff list's search and filters (page query): `q` a part of a name or email
    address; an agency; a role; a status (active, invited and not yet signed in,
    deactivated)."""

    q = OneLine(
        validate=validate.Length(max=200, error="Enter at most 200 characters to search for")
    )
    agency = fields.UUID(error_messages={"invalid": "Choose an organisation from the list"})
    role = fields.Str(
        validate=validate.OneOf([r.value for r in Role], error="Choose a role from the list")
    )
    status = fields.Str(
        validate=validate.OneOf(STAFF_STATUSES, error="Choose a status from the list")
    )


class StaffChangeSchema(BaseSchema):
    """A staff account's roles and organisation, changed by an administrator."""

    agency_id = fields.UUID(
        required=True,
        allow_none=True,
        error_messages={
            "required": "Choose their organisation",
            "invalid": "Choose their organisation from the list",
        },
    )
    roles = fields.List(
        fields.Str(
            validate=validate.OneOf([r.value for r in Role], error="Choose roles from the list")
        ),
        required=True,
        validate=validate.Length(min=1, max=len(Role), error="Choose at least one role"),
        error_messages={"required": "Choose at least one role"},
    )


staff_filter_schema = StaffFilterSchema()
staff_change_schema = StaffChangeSchema()
