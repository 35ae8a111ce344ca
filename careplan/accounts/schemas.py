"""Staff accounts and the caller's own identity."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates

from careplan.access.subject import Role
from careplan.core.schemas import BaseSchema, OneLine

WORK_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{5,28}(\s*(ext\.?|extension)\s*[0-9]{1,6})?", re.I)
WORK_PHONE_MESSAGE = "Enter a phone number, like 0131 496 0000 or +44 131 496 0000."
WORK_EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.org."
PATTERN_MESSAGE = "Say when they work in 200 characters or fewer."
CONTACT_FIELDS = ("work_phone", "work_email", "working_pattern")


def _work_phone(value: str) -> None:
    if not WORK_PHONE.fullmatch(value.strip()):
        raise ValidationError(WORK_PHONE_MESSAGE)


class ContactDetailsSchema(BaseSchema):
    """How colleagues reach a member of staff (issue 17). Each is optional; a blank one
    is None. `work_email`: only when it is not their sign-in address (a team inbox)."""

    work_phone = fields.Str(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=30, error=WORK_PHONE_MESSAGE), _work_phone],
        metadata={"description": "a work phone number, landline or mobile"},
    )
    work_email = fields.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=254, error=WORK_EMAIL_MESSAGE),
        error_messages={"invalid": WORK_EMAIL_MESSAGE},
        metadata={"description": "where colleagues write to them, if not the sign-in address"},
    )
    working_pattern = OneLine(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200, error=PATTERN_MESSAGE),
        metadata={"description": "when they work, e.g. Monday to Thursday, 9am to 5pm"},
    )

    @pre_load
    def _blanks(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {
            k: (v.strip() or None) if k in CONTACT_FIELDS and isinstance(v, str) else v
            for k, v in data.items()
        }

    @post_load
    def _lower_email(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("work_email"):
            data["work_email"] = data["work_email"].lower()
        return data


class StaffSchema(ContactDetailsSchema):
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
        return self._lower_email(data)


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
    work_phone = fields.Str(allow_none=True)
    work_email = fields.Str(allow_none=True)
    working_pattern = fields.Str(allow_none=True)


class AccountLinkSchema(BaseSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


staff_schema = StaffSchema()
staff_list_out = StaffSchema(many=True)
me_out = MeSchema()
account_link = AccountLinkSchema()
contact_details = ContactDetailsSchema()
