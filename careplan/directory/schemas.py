"""The directory's inputs and outputs (API.md, "Service directory")."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from careplan.core.schemas import BaseSchema, OneLine
from careplan.directory import councils
from careplan.directory.models import ServiceStatus

AREA_CODES = [c.code for c in councils.councils()] + [councils.SCOTLAND]


def _area(value: str) -> None:
    if value not in AREA_CODES:
        raise ValidationError(
            "Choose a Scottish council area by its code (S12000049 is Glasgow City), "
            "or S92000003 for all of Scotland."
        )


class ServiceQuerySchema(BaseSchema):
    q = fields.Str(
        load_default="",
        validate=validate.Length(max=100, error="Search for 100 characters or fewer."),
        metadata={
            "description": "words, all found in the name, organisation, categories or description"
        },
    )
    category = fields.Str(
        load_default=None,
        validate=validate.Length(max=100, error="Choose a category from the list."),
        metadata={"description": "a category's code (ALISS slug or HSDS taxonomy code)"},
    )
    area = fields.Str(
        load_default=None,
        validate=_area,
        metadata={
            "description": "a council area's GSS code; services for all of Scotland match too"
        },
    )
    accepts_referrals = fields.Bool(
        load_default=None,
        error_messages={"invalid": "Say true or false: does the service take referrals here?"},
    )
    limit = fields.Int(
        load_default=50,
        validate=validate.Range(min=1, max=200, error="Ask for between 1 and 200 services."),
    )
    offset = fields.Int(
        load_default=0,
        validate=validate.Range(min=0, max=1_000_000, error="Start from 0 or more."),
    )


class OrganizationRefSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()


class CategorySchema(BaseSchema):
    code = fields.Str()
    name = fields.Str()
    taxonomy = fields.Str()


class AreaSchema(BaseSchema):
    code = fields.Str()
    name = fields.Str()


class LocationSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    address = fields.Str()
    postal_code = fields.Str(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class ContactSchema(BaseSchema):
    phone = fields.Str(allow_none=True)
    email = fields.Str(allow_none=True)
    url = fields.Str(allow_none=True)


class SourceSchema(BaseSchema):
    name = fields.Str(metadata={"description": "aliss, local, or the HSDS publisher's name"})
    url = fields.Str(allow_none=True)
    licence = fields.Str(allow_none=True)
    attribution = fields.Str(allow_none=True)
    last_updated = fields.Str(allow_none=True, metadata={"description": "ISO 8601 UTC"})


class ServiceSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    description = fields.Str()
    organization = fields.Nested(OrganizationRefSchema)
    status = fields.Str()
    categories = fields.List(fields.Nested(CategorySchema))
    eligibility_description = fields.Str(allow_none=True)
    minimum_age = fields.Int(allow_none=True)
    maximum_age = fields.Int(allow_none=True)
    thresholds = fields.Str(allow_none=True)
    accepts_referrals = fields.Bool()
    referral_method = fields.Str(allow_none=True)
    agency_id = fields.UUID(allow_none=True)
    opening_hours = fields.Str(allow_none=True)
    accessibility = fields.Str(allow_none=True)
    contact = fields.Nested(ContactSchema)
    locations = fields.List(fields.Nested(LocationSchema))
    service_areas = fields.List(fields.Nested(AreaSchema))
    source = fields.Nested(SourceSchema)
    version = fields.Int()


def _text(limit: int, what: str, **kwargs: Any) -> fields.Str:
    return fields.Str(
        allow_none=True,
        validate=validate.Length(max=limit, error=f"{what} must be {limit} characters or fewer."),
        **kwargs,
    )


AGE = validate.Range(min=0, max=130, error="Enter an age from 0 to 130.")


class ServiceWriteSchema(BaseSchema):
    """A local service (POST: name and organisation required) or changes to one (PUT:
    only what is sent changes; an imported service takes only the local fields)."""

    name = OneLine(
        validate=validate.Length(
            min=1, max=300, error="Enter the service's name (300 characters or fewer)."
        )
    )
    organization_name = OneLine(
        validate=validate.Length(
            min=1, max=300, error="Enter who runs the service (300 characters or fewer)."
        )
    )
    description = _text(10_000, "The description")
    status = fields.Str(
        validate=validate.OneOf(
            [s.value for s in ServiceStatus],
            error="Choose active, inactive, temporarily closed or defunct.",
        )
    )
    url = _text(500, "The web address")
    email = fields.Email(
        allow_none=True, error_messages={"invalid": "Enter an email address like name@example.org."}
    )
    phone = _text(40, "The phone number")
    categories = fields.List(
        fields.UUID(error_messages={"invalid_uuid": "Choose categories from the list."}),
        validate=validate.Length(max=20, error="Choose 20 categories or fewer."),
    )
    service_areas = fields.List(
        fields.Str(validate=_area), validate=validate.Length(max=33, error="Choose each area once.")
    )
    eligibility_description = _text(2_000, "Who it is for")
    minimum_age = fields.Int(allow_none=True, validate=AGE)
    maximum_age = fields.Int(allow_none=True, validate=AGE)
    thresholds = _text(2_000, "The thresholds")
    referral_method = _text(2_000, "How to refer")
    accepts_referrals = fields.Bool(
        error_messages={"invalid": "Say whether the service takes referrals through this service."}
    )
    agency_id = fields.UUID(
        allow_none=True, error_messages={"invalid_uuid": "Choose an agency from the list."}
    )
    opening_hours = _text(1_000, "The opening hours")
    accessibility = _text(2_000, "Accessibility")

    @validates_schema
    def _ages(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            raise ValidationError("The youngest age must not be above the oldest.", "maximum_age")

    @validates("service_areas")
    def _distinct(self, value: list[str], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Choose each area once.")


class ServiceCreateSchema(ServiceWriteSchema):
    @validates_schema
    def _required(self, data: dict[str, Any], **_: Any) -> None:
        missing = {}
        if not data.get("name"):
            missing["name"] = ["Enter the service's name."]
        if not data.get("organization_name"):
            missing["organization_name"] = ["Enter who runs the service."]
        if missing:
            raise ValidationError(missing)


class GeoJSONSchema(BaseSchema):
    """RFC 7946 FeatureCollection of Point features (coordinates: longitude, latitude)."""

    type = fields.Str()
    features = fields.List(fields.Dict())


service_query = ServiceQuerySchema()
service_out = ServiceSchema()
services_out = ServiceSchema(many=True)
service_create = ServiceCreateSchema()
service_update = ServiceWriteSchema()
geojson_out = GeoJSONSchema()
