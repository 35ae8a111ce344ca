"""Consent, refusal, withdrawal, claims and break-glass: what comes in and goes out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.agencies.models import Sector
from careplan.core import clock
from careplan.core.schemas import EACH_SECTION_ONCE, BaseSchema, Readable, RefSchema
from consent.models import BreakGlassReason, ConsentEffect, ConsentMethod

ALL = "all"


class SectionsField(fields.Field):
    """A list of section keys, or the word "all" (every section, including future ones)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str] | None:
        if value == ALL:
            return None
        if (
            not isinstance(value, list)
            or not value
            or len(value) > 100
            or not all(isinstance(v, str) for v in value)
        ):
            raise ValidationError(
                'Choose which parts of the plan: a list of section keys, or "all"'
            )
        if len(set(value)) != len(value):
            # A part named twice is a mistake to show, not one to merge quietly.
            raise ValidationError(EACH_SECTION_ONCE)
        return sorted(value)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return ALL if value is None else list(value)


class GranteeSchema(BaseSchema):
    agency_id = fields.UUID()
    sector = fields.Enum(Sector, by_value=True)

    @validates_schema
    def _one(self, data: dict[str, Any], **_: Any) -> None:
        if len(data) != 1:
            raise ValidationError(
                "Choose who can see it: one organisation (agency_id) or one group of "
                "services (sector)"
            )


class ConsentCreateSchema(BaseSchema):
    grantee = fields.Nested(GranteeSchema, required=True)
    sections = SectionsField(required=True)
    purpose = fields.Str(load_default="direct_care", validate=validate.OneOf(["direct_care"]))
    effect = fields.Enum(ConsentEffect, by_value=True, required=True)
    starts_on = fields.Date(load_default=None)
    expires_on = fields.Date(load_default=None, allow_none=True)
    method = fields.Enum(ConsentMethod, by_value=True, required=True)
    evidence_note = fields.Str(
        load_default=None, allow_none=True, validate=validate.Length(max=2000)
    )

    @validates_schema
    def _dates(self, data: dict[str, Any], **_: Any) -> None:
        """Days in Scotland (careplan.core.clock.today). A consent ends on or after the
        day it starts and today, and at most CAREPLAN_CONSENT_MAX_DAYS from today: a
        permission is reviewed with the person, never granted for ever."""
        today = clock.today()
        longest = current_app.config["CONSENT_MAX_DAYS"]
        latest = today + timedelta(days=longest)
        start = data.get("starts_on") or today
        end = data.get("expires_on")
        if start > latest:
            raise ValidationError(
                {"starts_on": [f"The start date must be within {longest} days from today."]}
            )
        if end is not None and (end < start or end < today):
            raise ValidationError(
                {"expires_on": ["The end date must be after the start date and not in the past."]}
            )
        if end is not None and end > latest:
            raise ValidationError(
                {
                    "expires_on": [
                        f"The end date must be within {longest} days from today "
                        f"(by {latest.day} {latest:%B %Y}): agree it again with the person then."
                    ]
                }
            )
        if data["effect"] is ConsentEffect.PERMIT and end is None:
            # Permission is reviewed: it always has an end. A refusal may last until withdrawn.
            raise ValidationError({"expires_on": ["Give a date when this permission ends."]})


class WithdrawSchema(BaseSchema):
    reason = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def justification_min() -> int:
    """CAREPLAN_JUSTIFICATION_MIN_CHARS: the fewest readable characters a claim's reason or
    a break-glass justification may have (careplan.core.text.readable)."""
    return int(current_app.config["JUSTIFICATION_MIN_CHARS"])


TOO_SHORT = (
    "Write at least {min} characters: say what is happening and why you need to see the "
    "plan (spaces and invisible characters do not count)."
)


class ClaimSchema(BaseSchema):
    reason = fields.Str(
        required=True, validate=Readable(min=justification_min, max=2000, too_short=TOO_SHORT)
    )


class BreakGlassSchema(BaseSchema):
    reason = fields.Enum(BreakGlassReason, by_value=True, required=True)
    justification = fields.Str(
        required=True, validate=Readable(min=justification_min, max=4000, too_short=TOO_SHORT)
    )


class GranteeOutSchema(BaseSchema):
    agency_id = fields.UUID(allow_none=True)
    agency_name = fields.Str(allow_none=True)
    sector = fields.Str(allow_none=True)


class ConsentSchema(BaseSchema):
    id = fields.UUID()
    grantee = fields.Nested(GranteeOutSchema)
    sections = SectionsField()
    purpose = fields.Str()
    effect = fields.Str()
    starts_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    method = fields.Str()
    evidence_note = fields.Str(allow_none=True)
    recorded_by = fields.Nested(RefSchema)
    recorded_at = fields.Str()
    withdrawn_at = fields.Str(allow_none=True)
    withdrawn_by = fields.Nested(RefSchema, allow_none=True)
    withdrawn_reason = fields.Str(allow_none=True)
    status = fields.Str()
    version = fields.Int()


class BreakGlassOutSchema(BaseSchema):
    id = fields.UUID()
    reason = fields.Str()
    expires_at = fields.Str()
    sections = fields.List(fields.Str())


consent_create = ConsentCreateSchema()
consent_out = ConsentSchema()
consents_out = ConsentSchema(many=True)
withdraw_schema = WithdrawSchema()
claim_schema = ClaimSchema()
break_glass_schema = BreakGlassSchema()
break_glass_out = BreakGlassOutSchema()
