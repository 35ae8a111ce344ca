"""Notifications' inputs and outputs (API.md, "Coming resources": /me/notifications)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from careplan.core.schemas import BaseSchema
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.models import Choice

# GOV.UK Notify sends texts to UK mobiles (07...) and international numbers (+...).
UK_MOBILE = re.compile(r"07\d{9}")
INTERNATIONAL = re.compile(r"\+[1-9]\d{7,14}")
PHONE_MESSAGE = "Enter a mobile phone number, like 07700 900 982 or +44 7700 900 982."


def normal_phone(value: str) -> str:
    """A mobile number in E.164 (`+447700900982`), from what a person types (spaces,
    dashes and brackets ignored). Raises ValidationError for anything else."""
    digits = re.sub(r"[\s\-().]", "", value)
    if digits.startswith("0044"):
        digits = "+44" + digits[4:]
    if digits.startswith("+440"):
        digits = "+44" + digits[4:]
    if UK_MOBILE.fullmatch(digits):
        return "+44" + digits[1:]
    if INTERNATIONAL.fullmatch(digits) and not (
        digits.startswith("+44") and not digits.startswith("+447")
    ):
        return digits
    raise ValidationError(PHONE_MESSAGE)


class NotificationSchema(BaseSchema):
    id = fields.UUID(dump_only=True)
    kind = fields.Enum(NotificationKind, by_value=True, dump_only=True)
    title = fields.Str(dump_only=True, metadata={"description": "what it is about, in words"})
    message = fields.Str(dump_only=True, metadata={"description": "the sentence that was sent"})
    count = fields.Int(
        dump_only=True,
        metadata={"description": "how many it tells of (one change, one notice per recipient)"},
    )
    created_at = fields.Str(dump_only=True, metadata={"description": "ISO 8601 UTC"})
    read_at = fields.Str(dump_only=True, allow_none=True)
    link = fields.Str(dump_only=True, metadata={"description": "a path inside this service"})


class NotificationQuerySchema(BaseSchema):
    unread = fields.Bool(
        load_default=False,
        error_messages={"invalid": "Say true or false: only the ones not read yet?"},
    )
    limit = fields.Int(
        load_default=50,
        validate=validate.Range(min=1, max=200, error="Ask for between 1 and 200 notifications."),
    )
    offset = fields.Int(
        load_default=0,
        validate=validate.Range(min=0, max=1_000_000, error="Start from 0 or more."),
    )


class PreferenceSchema(BaseSchema):
    choice = fields.Enum(
        Choice,
        by_value=True,
        required=True,
        error_messages={
            "required": "Choose how you want to be told: email, text or in this service only.",
            "unknown": "Choose email, sms or in_app.",
        },
        metadata={"description": "email or sms (each besides the in-app list), or in_app only"},
    )
    phone = fields.Str(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=30, error=PHONE_MESSAGE),
        metadata={"description": "a mobile number for texts; needed when choice is sms"},
    )
    email = fields.Str(dump_only=True, metadata={"description": "where emails go (sign-in)"})
    default = fields.Bool(dump_only=True, metadata={"description": "not chosen yet"})

    @pre_load
    def _blank_phone(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("phone"), str):
            data = {**data, "phone": data["phone"].strip() or None}
        return data

    @validates_schema
    def _phone_for_texts(self, data: dict[str, Any], **_: Any) -> None:
        phone = data.get("phone")
        if phone is not None:
            try:
                data["phone"] = normal_phone(phone)
            except ValidationError as exc:
                raise ValidationError(exc.messages, "phone") from None
        if data.get("choice") is Choice.SMS and data.get("phone") is None:
            raise ValidationError("Enter the mobile phone number to send texts to.", "phone")


notification_out = NotificationSchema()
notifications_out = NotificationSchema(many=True)
notification_query = NotificationQuerySchema()
preference_in = PreferenceSchema()
preference_out = PreferenceSchema()
