"""Staff accounts and the caller's own identity."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates

from careplan.access.subject import Role
from careplan.core.schemas import BaseSchema, OneLine


class StaffSchema(BaseSchema):
    id = fields.UUID(dump_only=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = OneLine(required=True, validate=validate.Length(min=1, max=200))
    agency_id = fields.UUID(required=True, allow_none=True)
    roles = fields.List(
        fields.Str(validate=validate.OneOf([r.value for r in Role])),
        required=True,
        validate=validate.Length(min=1, max=len(Role)),
    )
    active = fields.Bool(dump_only=True)

    @validates("roles")
    def _distinct(self, value: list[str], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Choose each role once")

    @post_load
    def _tidy(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["email"] = data["email"].strip().lower()
        return data


class AgencyRefSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    sector = fields.Str()


class MeSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    email = fields.Str()
    kind = fields.Str()
    roles = fields.List(fields.Str())
    agency = fields.Nested(AgencyRefSchema, allow_none=True)
    person_id = fields.UUID(allow_none=True)


class AccountLinkSchema(BaseSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


staff_schema = StaffSchema()
staff_list_out = StaffSchema(many=True)
me_out = MeSchema()
account_link = AccountLinkSchema()
