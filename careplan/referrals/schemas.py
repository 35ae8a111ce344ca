"""What comes in and goes out for referrals (API.md, "Referrals")."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import EACH_SECTION_ONCE, BaseSchema, Readable, RefSchema
from careplan.referrals.lifecycle import NEEDS_REASON, REASONS
from careplan.referrals.models import DeclinedBy, ReferralStatus, Urgency
from consent.models import ConsentMethod

# How the person agreed, as a referral records it (self service is their own account's
# consent page, not a referral made with them).
AGREED_HOW = [ConsentMethod.WRITTEN, ConsentMethod.VERBAL]


class ReferralConsentSchema(BaseSchema):
    """The person's agreement to what travels, recorded in the same step (issue 19)."""

    method = fields.Enum(
        ConsentMethod,
        by_value=True,
        required=True,
        validate=validate.OneOf(AGREED_HOW, error="Choose how they agreed: written or verbal"),
        metadata={"label": "how they agreed"},
    )
    agreed_on = fields.Date(required=True, metadata={"label": "the day they agreed"})

    @validates_schema
    def _not_future(self, data: dict[str, Any], **_: Any) -> None:
        agreed = data.get("agreed_on")
        if agreed is not None and agreed > clock.today():
            raise ValidationError({"agreed_on": ["The day they agreed cannot be in the future."]})


class SectionKeys(fields.List):
    """Section keys, at least one, each once (checked against the catalogue later)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            fields.Str(validate=validate.Length(min=1, max=60)),
            validate=validate.Length(
                min=1, max=100, error="Choose at least one part of the plan to send"
            ),
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        keys = super()._deserialize(value, attr, data, **kwargs)
        if len(set(keys)) != len(keys):
            # A part named twice is a mistake to show, not one to merge quietly.
            raise ValidationError(EACH_SECTION_ONCE)
        return sorted(keys)


class ReferralCreateSchema(BaseSchema):
    service_id = fields.UUID(required=True, metadata={"label": "a service"})
    reason = fields.Str(
        required=True,
        validate=Readable(min=10, max=4000),
        metadata={"label": "why you are referring them"},
    )
    urgency = fields.Enum(Urgency, by_value=True, load_default=Urgency.ROUTINE)
    sections = SectionKeys(required=True, metadata={"label": "the parts of the plan to send"})
    do_not_contact = fields.Bool(load_default=False)
    contact_note = fields.Str(
        load_default=None, allow_none=True, validate=validate.Length(max=2000)
    )
    # Required, but its absence is 422 (API.md): the request is well formed, and the
    # referral cannot be made without the person's agreement (`services.refer`).
    consent = fields.Nested(ReferralConsentSchema, load_default=None, allow_none=True)


class StatusChangeSchema(BaseSchema):
    status = fields.Enum(ReferralStatus, by_value=True, required=True)
    reason_code = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=40))
    reason_text = fields.Str(load_default=None, allow_none=True, validate=Readable(max=2000))
    declined_by = fields.Enum(DeclinedBy, by_value=True, load_default=None, allow_none=True)
    suggested_service_id = fields.UUID(load_default=None, allow_none=True)

    @validates_schema
    def _reasons(self, data: dict[str, Any], **_: Any) -> None:
        """A reason code (from the status's list) and words for rejected, cancelled,
        on-hold and failed (issue 19); who declined, for a rejection only."""
        status, code = data.get("status"), data.get("reason_code")
        errors: dict[str, list[str]] = {}
        if status in NEEDS_REASON:
            codes = REASONS[status]
            if code not in codes:
                errors["reason_code"] = [f"Choose a reason from the list: {', '.join(codes)}"]
            if not (data.get("reason_text") or "").strip():
                errors["reason_text"] = ["Say in a sentence why, in words the person can read"]
        elif code is not None:
            errors["reason_code"] = [
                "Give a reason only when rejecting, cancelling, pausing "
                "or closing a referral as failed"
            ]
        if status is ReferralStatus.REJECTED and data.get("declined_by") is None:
            errors["declined_by"] = ["Choose who declined it: the service or the person"]
        if status is not ReferralStatus.REJECTED and data.get("declined_by") is not None:
            errors["declined_by"] = ["Say who declined only when rejecting a referral"]
        if status is not ReferralStatus.REJECTED and data.get("suggested_service_id"):
            errors["suggested_service_id"] = ["Suggest another service only when rejecting"]
        if errors:
            raise ValidationError(errors)


class ForwardSchema(BaseSchema):
    service_id = fields.UUID(required=True, metadata={"label": "the service to pass it on to"})
    reason = fields.Str(
        required=True,
        validate=Readable(min=10, max=4000),
        metadata={"label": "why you are passing it on, for the person to read"},
    )
    # The person's agreement to send the same parts of the plan to the new service; without
    # it the new referral carries none until the referrer records it with them.
    consent = fields.Nested(ReferralConsentSchema, load_default=None, allow_none=True)


class ReferralListQuery(BaseSchema):
    direction = fields.Str(
        load_default="incoming", validate=validate.OneOf(["incoming", "outgoing"])
    )
    status = fields.Enum(ReferralStatus, by_value=True, load_default=None)
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class ReferralServiceSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    organization = fields.Str(allow_none=True)


class ReferralEventSchema(BaseSchema):
    status = fields.Str()
    status_words = fields.Str()
    reason_code = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    reason_text = fields.Str(allow_none=True)
    declined_by = fields.Str(allow_none=True)
    suggested_service = fields.Nested(ReferralServiceSchema, allow_none=True)
    by = fields.Nested(RefSchema, allow_none=True)
    at = fields.Str()


class SharedSectionSchema(BaseSchema):
    key = fields.Str()
    title = fields.Str()
    content = fields.Dict(allow_none=True)
    withheld = fields.Str(allow_none=True)


class ReferralSummarySchema(BaseSchema):
    """A referral in an inbox or outbox (its text and history are on the referral)."""

    id = fields.UUID()
    person_id = fields.UUID()
    person = fields.Dict(allow_none=True)
    service = fields.Nested(ReferralServiceSchema)
    receiving_agency = fields.Nested(RefSchema, allow_none=True)
    on_platform = fields.Bool()
    referrer = fields.Nested(RefSchema)
    referring_agency = fields.Nested(RefSchema, allow_none=True)
    urgency = fields.Str()
    do_not_contact = fields.Bool()
    status = fields.Str()
    status_words = fields.Str()
    reason_code = fields.Str(allow_none=True)
    part_of = fields.UUID(allow_none=True)
    respond_by = fields.Str()
    created_at = fields.Str()
    updated_at = fields.Str()
    closed_at = fields.Str(allow_none=True)
    version = fields.Int()


class ReferralSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    person = fields.Dict(allow_none=True)
    service = fields.Nested(ReferralServiceSchema)
    receiving_agency = fields.Nested(RefSchema, allow_none=True)
    on_platform = fields.Bool()
    referrer = fields.Nested(RefSchema)
    referring_agency = fields.Nested(RefSchema)
    reason = fields.Str()
    urgency = fields.Str()
    sections = fields.List(fields.Str())
    do_not_contact = fields.Bool()
    contact_note = fields.Str(allow_none=True)
    status = fields.Str()
    status_words = fields.Str()
    reason_code = fields.Str(allow_none=True)
    reason_text = fields.Str(allow_none=True)
    declined_by = fields.Str(allow_none=True)
    suggested_service = fields.Nested(ReferralServiceSchema, allow_none=True)
    part_of = fields.UUID(allow_none=True)
    consent_id = fields.UUID(allow_none=True)
    consent = fields.Dict()
    taken_by = fields.Nested(RefSchema, allow_none=True)
    respond_by = fields.Str()
    created_at = fields.Str()
    updated_at = fields.Str()
    closed_at = fields.Str(allow_none=True)
    version = fields.Int()
    history = fields.List(fields.Nested(ReferralEventSchema))


class ReferralDetailSchema(ReferralSchema):
    """One referral: for the receiving agency, with the sections sent with it."""

    shared_sections = fields.List(fields.Nested(SharedSectionSchema))


referral_create = ReferralCreateSchema()
status_change = StatusChangeSchema()
forward = ForwardSchema()
referral_query = ReferralListQuery()
referral_out = ReferralDetailSchema()
referrals_out = ReferralSchema(many=True)
inbox_out = ReferralSummarySchema(many=True)
