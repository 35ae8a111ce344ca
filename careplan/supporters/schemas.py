"""Supporters: what comes in (an invitation) and what goes out (a place, and the code)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import current_app
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from careplan.core import clock
from careplan.core.schemas import EACH_SECTION_ONCE, BaseSchema, Distinct, OneLine
from careplan.supporters.models import SupporterRelationship

# A phone number as people write one: digits with spaces, dashes, brackets, a leading +.
PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{5,24}")
PHONE_MESSAGE = "Enter a phone number, like 0131 496 0000 or 07700 900 982."
SECTIONS_MESSAGE = "Choose at least one part of the plan they can see."


class SupporterCreateSchema(BaseSchema):
    name = OneLine(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"required_message": "Enter their full name."},
    )
    relationship = fields.Enum(
        SupporterRelationship,
        by_value=True,
        required=True,
        metadata={
            "label": "who they are to the person",
            "required_message": "Choose who they are to the person.",
        },
    )
    described_as = OneLine(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": 'in the person\'s words, like "my sister" (optional)'},
    )
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254),
        metadata={"required_message": "Enter their email address, to sign in with."},
    )
    phone = OneLine(load_default=None, allow_none=True, validate=validate.Length(max=30))
    sections = fields.List(
        fields.Str(validate=validate.Length(min=1, max=50)),
        required=True,
        validate=[
            validate.Length(min=1, max=100, error=SECTIONS_MESSAGE),
            Distinct(EACH_SECTION_ONCE),
        ],
        metadata={"required_message": SECTIONS_MESSAGE},
    )
    expires_on = fields.Date(
        required=True,
        metadata={"required_message": "Enter the last day they can see it."},
    )

    @validates("phone")
    def _phone(self, value: str | None, **_: Any) -> None:
        if value and not PHONE.fullmatch(value):
            raise ValidationError(PHONE_MESSAGE)

    @validates_schema
    def _until(self, data: dict[str, Any], **_: Any) -> None:
        """The last day is today or later, and at most CAREPLAN_CONSENT_MAX_DAYS away (days
        in Scotland): sharing is looked at again with the person, as a consent is."""
        end = data.get("expires_on")
        if end is None:
            return
        today = clock.today()
        longest = current_app.config["CONSENT_MAX_DAYS"]
        latest = today + timedelta(days=longest)
        if end < today:
            raise ValidationError({"expires_on": ["The last day must be today or later."]})
        if end > latest:
            raise ValidationError(
                {
                    "expires_on": [
                        f"The last day must be within {longest} days from today "
                        f"(by {latest.day} {latest:%B %Y}): agree it again then."
                    ]
                }
            )


class SupporterInvitationSchema(BaseSchema):
    code = fields.Str(metadata={"description": "shown once: the supporter signs in with it"})
    expires_at = fields.Str()
    sign_in = fields.Str(metadata={"description": "the page where the code is used"})


class SupporterSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    name = fields.Str()
    relationship = fields.Str()
    described_as = fields.Str(allow_none=True)
    email = fields.Str()
    phone = fields.Str(allow_none=True)
    sections = fields.List(fields.Str())
    expires_on = fields.Date()
    status = fields.Str(metadata={"description": "active, expired or ended"})
    created_at = fields.Str()
    created_by = fields.Str()
    ended_at = fields.Str(allow_none=True)
    invitation = fields.Nested(SupporterInvitationSchema, allow_none=True)


supporter_create = SupporterCreateSchema()
supporter_out = SupporterSchema()
supporters_out = SupporterSchema(many=True)
