"""Input and output shapes for subject access requests (API.md "Audit and information
governance"). Nothing here carries plan content: a request is who asked, when, how they
were identified, and when and how it was answered."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, BaseSchema, DayRange, Readable
from careplan.people.chi import chi_problem, normalise_chi
from careplan.subject_access.models import (
    Authority,
    Channel,
    IdentityMethod,
    RefusalReason,
    ReleasedTo,
    RequestedBy,
    RequestStatus,
)

# A request is received on a real day, not after today in Scotland.
RECEIVED = DayRange(
    EARLIEST_DAY, clock.today, "Enter the day the request was received. It cannot be in the future."
)
CHECKED = DayRange(
    EARLIEST_DAY, clock.today, "Enter the day identity was confirmed. It cannot be in the future."
)
NOTE = Readable(max=2000)
REASON = Readable(
    min=10,
    max=2000,
    too_short="Write at least {min} characters: the person is told this reason.",
)


def _choices(kind: type) -> validate.OneOf:
    return validate.OneOf([m.value for m in kind])


class RequestCreateSchema(BaseSchema):
    """`person_id` or `chi` (one of them); `identity_checked`: confirmed when received
    (then `identity_method` is needed, and the month starts on `received_on`); a
    representative needs their name and the authority that was checked."""

    person_id = fields.UUID(load_default=None, allow_none=True)
    chi = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=20))
    received_on = fields.Date(
        required=True,
        validate=RECEIVED,
        metadata={"required_message": "Enter the day the request was received."},
    )
    channel = fields.Str(load_default=Channel.LETTER.value, validate=_choices(Channel))
    identity_checked = fields.Bool(
        required=True,
        metadata={"required_message": "Say whether the requester's identity is confirmed."},
    )
    identity_method = fields.Str(
        load_default=None, allow_none=True, validate=_choices(IdentityMethod)
    )
    requested_by = fields.Str(
        required=True,
        validate=_choices(RequestedBy),
        metadata={"required_message": "Say who made the request: the person or someone for them."},
    )
    representative_name = fields.Str(
        load_default=None, allow_none=True, validate=Readable(min=1, max=200)
    )
    authority = fields.Str(load_default=None, allow_none=True, validate=_choices(Authority))
    note = fields.Str(load_default=None, allow_none=True, validate=NOTE)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        problems: dict[str, list[str]] = {}
        if (data.get("person_id") is None) == (not data.get("chi")):
            problems["person_id"] = ["Give the person's record id or their CHI number (one)."]
        if data.get("chi") and chi_problem(data["chi"]):
            problems["chi"] = [chi_problem(data["chi"]) or ""]
        if data.get("identity_checked") and not data.get("identity_method"):
            problems["identity_method"] = ["Say how the requester's identity was confirmed."]
        if data.get("requested_by") == RequestedBy.REPRESENTATIVE.value:
            if not data.get("representative_name"):
                problems["representative_name"] = ["Enter the name of the person asking for them."]
            if not data.get("authority"):
                problems["authority"] = [
                    "Say what shows they may act for the person (for example, signed authority)."
                ]
        elif data.get("representative_name") or data.get("authority"):
            problems["requested_by"] = [
                "A representative's name and authority go with a request made by a representative."
            ]
        if problems:
            raise ValidationError(problems)

    @post_load
    def _tidy(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("chi"):
            data["chi"] = normalise_chi(data["chi"])
        return data


class IdentitySchema(BaseSchema):
    """Proof of identity received: the month starts on `checked_on` (default today)."""

    method = fields.Str(
        required=True,
        validate=_choices(IdentityMethod),
        metadata={"required_message": "Say how the requester's identity was confirmed."},
    )
    checked_on = fields.Date(load_default=None, allow_none=True, validate=CHECKED)


class ExtendSchema(BaseSchema):
    reason = fields.Str(
        required=True,
        validate=REASON,
        metadata={"required_message": "Say why the request needs more time (it is complex)."},
    )


class ReleaseSchema(BaseSchema):
    """`to`: the person's own account (default when they have one) or their key worker."""

    to = fields.Str(load_default=None, allow_none=True, validate=_choices(ReleasedTo))


class RefuseSchema(BaseSchema):
    reason = fields.Str(
        required=True,
        validate=_choices(RefusalReason),
        metadata={"required_message": "Choose why the request is refused."},
    )
    text = fields.Str(
        required=True,
        validate=REASON,
        metadata={"required_message": "Write the reason the person will be told."},
    )


class ListQuerySchema(BaseSchema):
    status = fields.Str(
        load_default="open",
        validate=validate.OneOf(["open", "completed", "all", *[s.value for s in RequestStatus]]),
    )


class PersonOutSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    date_of_birth = fields.Str()


class RequestOutSchema(BaseSchema):
    id = fields.UUID()
    person = fields.Nested(PersonOutSchema)
    received_on = fields.Str()
    channel = fields.Str()
    requested_by = fields.Str()
    representative_name = fields.Str(allow_none=True)
    authority = fields.Str(allow_none=True)
    authority_checked_by = fields.Str(allow_none=True)
    identity_checked = fields.Bool()
    identity_method = fields.Str(allow_none=True)
    identity_checked_on = fields.Str(allow_none=True)
    identity_checked_by = fields.Str(allow_none=True)
    clock = fields.Str(metadata={"description": "running, paused (identity awaited) or stopped"})
    starts_on = fields.Str(allow_none=True)
    due_on = fields.Str(allow_none=True)
    overdue = fields.Bool()
    days_left = fields.Int(allow_none=True)
    extended = fields.Bool()
    extension_reason = fields.Str(allow_none=True)
    status = fields.Str()
    released_to = fields.Str(allow_none=True)
    refusal_reason = fields.Str(allow_none=True)
    refusal_text = fields.Str(allow_none=True)
    completed_on = fields.Str(allow_none=True)
    completed_by = fields.Str(allow_none=True)
    note = fields.Str(allow_none=True)
    version = fields.Int()
    created_at = fields.Str()


request_create = RequestCreateSchema()
identity_schema = IdentitySchema()
extend_schema = ExtendSchema()
release_schema = ReleaseSchema()
refuse_schema = RefuseSchema()
list_query = ListQuerySchema()
request_out = RequestOutSchema()
requests_out = RequestOutSchema(many=True)
