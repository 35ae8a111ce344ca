"""Query and output shapes for the IG tools and the person's access log."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from audit.actions import AuditAction, Outcome
from audit.actions import Purpose as PURPOSES
from careplan.core.schemas import BaseSchema, Readable

PERSON_HOW = "Enter the person's CHI number (10 digits), or their record id from this log."
NAME_AND_BIRTH = "Enter both the person's full name and their date of birth."
ONE_WAY = "Search by CHI number or record id, or by full name and date of birth, not both."


class EventQuerySchema(BaseSchema):
    """An IG search. The person is given as the complaint gives them: `person` takes a
    record id or a CHI number; `person_name` (given or preferred name, then family name)
    with `date_of_birth` finds them exactly (careplan.ig.services.find_person). Never a
    partial match: IG officers do not get people search."""

    person = fields.Str(validate=validate.Length(min=1, max=64, error=PERSON_HOW))
    person_name = fields.Str(validate=validate.Length(min=1, max=201, error=NAME_AND_BIRTH))
    date_of_birth = fields.Date(error_messages={"invalid": "Enter a real date of birth."})
    actor = fields.UUID()
    agency = fields.UUID()
    action = fields.Str(validate=validate.OneOf([a.value for a in AuditAction]))
    outcome = fields.Str(validate=validate.OneOf([o.value for o in Outcome]))
    # Not `purpose`: that names the purpose of this request itself (API.md conventions).
    purpose = fields.Str(
        data_key="for_purpose", validate=validate.OneOf([p.value for p in PURPOSES])
    )
    from_ = fields.DateTime(data_key="from")
    to = fields.DateTime()
    cursor = fields.Int(validate=validate.Range(min=1))
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError({"to": ["The end must be after the start."]})

    @validates_schema
    def _one_way_to_the_person(self, data: dict[str, Any], **_: Any) -> None:
        by_name = [k for k in ("person_name", "date_of_birth") if k in data]
        if by_name and "person" in data:
            raise ValidationError({"person": [ONE_WAY]})
        if len(by_name) == 1:
            missing = "date_of_birth" if by_name == ["person_name"] else "person_name"
            raise ValidationError({missing: [NAME_AND_BIRTH]})


class ReportQuerySchema(BaseSchema):
    from_ = fields.DateTime(data_key="from")
    to = fields.DateTime()
    # Not `purpose`: that names the purpose of this request itself (API.md conventions).
    purpose = fields.Str(
        data_key="for_purpose", validate=validate.OneOf([p.value for p in PURPOSES])
    )
    threshold = fields.Int(load_default=None, validate=validate.Range(min=1, max=100000))


CHOOSE_OUTCOME = "Choose whether this access was appropriate."
WRITE_NOTE = "Write a note saying what you checked and what you found."


class ReviewSchema(BaseSchema):
    """A review, or the follow-up a review asked for (which must say appropriate or
    inappropriate: careplan.ig.reviews)."""

    outcome = fields.Str(
        required=True,
        validate=validate.OneOf(
            ["appropriate", "inappropriate", "needs_follow_up"], error=CHOOSE_OUTCOME
        ),
        error_messages={"required": CHOOSE_OUTCOME},
    )
    note = fields.Str(
        required=True,
        validate=Readable(
            min=1, max=4000, too_short=WRITE_NOTE, error="Write a note of at most 4000 characters."
        ),
        error_messages={"required": WRITE_NOTE},
    )

    @validates("note")
    def _written(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError(WRITE_NOTE)


class ReviewQuerySchema(BaseSchema):
    # pending: not reviewed yet; follow_up: reviewed as needing follow-up, not finished;
    # open: either; reviewed: finished; all.
    status = fields.Str(
        load_default="pending",
        validate=validate.OneOf(["pending", "follow_up", "open", "reviewed", "all"]),
    )


class PageQuerySchema(BaseSchema):
    cursor = fields.Int(validate=validate.Range(min=1))
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))


class EventSchema(BaseSchema):
    seq = fields.Int()
    occurred_at = fields.Str()
    actor_id = fields.UUID(allow_none=True)
    actor_name = fields.Str(allow_none=True)
    actor_role = fields.Str(allow_none=True)
    actor_agency_id = fields.UUID(allow_none=True)
    actor_agency_name = fields.Str(allow_none=True)
    action = fields.Str()
    outcome = fields.Str()
    person_id = fields.UUID(allow_none=True)
    person_name = fields.Str(
        allow_none=True,
        metadata={"description": "the person's name, for the IG officer (never plan content)"},
    )
    sections = fields.List(fields.Str())
    withheld = fields.List(fields.Str())
    basis = fields.Dict()
    reason = fields.Str(allow_none=True)
    purpose = fields.Str(allow_none=True)
    justification = fields.Str(allow_none=True)
    request_id = fields.Str(allow_none=True)
    client_addr = fields.Str(allow_none=True)
    user_agent = fields.Str(allow_none=True)
    details = fields.Dict()


class EventPageSchema(BaseSchema):
    events = fields.List(fields.Nested(EventSchema))
    next_cursor = fields.Int(allow_none=True)


class AccessEntrySchema(BaseSchema):
    when = fields.Str()
    who = fields.Str(allow_none=True)
    agency = fields.Str(allow_none=True)
    what = fields.Str()
    sections = fields.List(fields.Str())
    why = fields.Str(allow_none=True)
    allowed = fields.Bool(metadata={"description": "the access rules allowed it"})
    done = fields.Bool(metadata={"description": "it happened (false: refused, or not done)"})
    emergency = fields.Bool()
    justification = fields.Str(allow_none=True)


class AccessLogSchema(BaseSchema):
    entries = fields.List(fields.Nested(AccessEntrySchema))
    next_cursor = fields.Int(allow_none=True)


class WitnessCheckSchema(BaseSchema):
    """One witness file read by a verification (audit.verify.verify_witnessed)."""

    name = fields.Str()
    ok = fields.Bool()
    last_seq = fields.Int(metadata={"description": "the newest record the witness holds"})
    behind = fields.Int(
        allow_none=True, metadata={"description": "records the log holds past it (not tampering)"}
    )
    problem = fields.Str(allow_none=True)
    line = fields.Int(allow_none=True)


class LastFullCheckSchema(BaseSchema):
    at = fields.Str(metadata={"description": "when (UTC, ISO 8601)"})
    seq = fields.Int(metadata={"description": "the last record it reached"})


class VerifySchema(BaseSchema):
    """What a check found and what it read (audit.verified.check)."""

    ok = fields.Bool()
    mode = fields.Str(
        metadata={
            "description": "incremental: from the last verified checkpoint to the end; "
            "full: the whole log (when no earlier check is on record, or it cannot be trusted)"
        }
    )
    from_seq = fields.Int(metadata={"description": "the first record this check read"})
    anchor_seq = fields.Int(
        metadata={
            "description": "the last record archived to a file (flask audit archive): the "
            "log starts after it, from its signed anchor; 0 when nothing was archived"
        }
    )
    checked = fields.Int(metadata={"description": "the last record this check reached"})
    first_bad_seq = fields.Int(allow_none=True)
    problem = fields.Str(allow_none=True)
    checkpoint = fields.Dict(allow_none=True)
    witnesses = fields.List(fields.Nested(WitnessCheckSchema))
    last_full = fields.Nested(
        LastFullCheckSchema,
        allow_none=True,
        metadata={"description": "the last full check that found the whole log intact"},
    )
    note = fields.Str(
        allow_none=True, metadata={"description": "why an incremental check was not possible"}
    )


class WitnessLagSchema(BaseSchema):
    """How far behind one configured witness is (audit.witnesses.lag)."""

    name = fields.Str()
    kind = fields.Str(metadata={"description": "file or syslog"})
    delivered_seq = fields.Int()
    behind = fields.Int(metadata={"description": "records not yet given to it"})
    behind_seconds = fields.Int(
        metadata={"description": "age of the oldest record not yet given to it; 0 if none"}
    )
    delivered_at = fields.Str(allow_none=True)
    failing_since = fields.Str(allow_none=True)
    last_error = fields.Str(allow_none=True)


class HeadSchema(BaseSchema):
    """The latest head, signed when asked: the Ed25519 signature covers
    `careplan-audit-head:v1:{seq}:{hash}:{signed_at}` (audit.witnesses.head_message)."""

    seq = fields.Int()
    hash = fields.Str()
    signed_at = fields.Str()
    key_id = fields.Str()
    signature = fields.Str()
    witnesses = fields.List(fields.Nested(WitnessLagSchema))


class ReviewItemSchema(BaseSchema):
    id = fields.UUID()
    kind = fields.Str()
    person_id = fields.UUID()
    actor = fields.Str()
    agency = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    justification = fields.Str(allow_none=True)
    at = fields.Str()
    expires_at = fields.Str(allow_none=True)
    review_status = fields.Str()
    review_outcome = fields.Str(allow_none=True)
    review_note = fields.Str(allow_none=True)
    reviewed_at = fields.Str(allow_none=True)
    follow_up_outcome = fields.Str(allow_none=True)
    follow_up_note = fields.Str(allow_none=True)
    followed_up_at = fields.Str(allow_none=True)


class ReportRowSchema(BaseSchema):
    actor_id = fields.UUID(allow_none=True)
    actor_name = fields.Str(allow_none=True)
    agency = fields.Str(allow_none=True)
    count = fields.Int()
    purpose = fields.Str(
        allow_none=True, metadata={"description": "purposes report: the purpose of access"}
    )
    people = fields.Int(metadata={"description": "purposes report: people whose records"})


class ReportSchema(BaseSchema):
    report = fields.Str()
    rows = fields.List(fields.Nested(ReportRowSchema))


event_query = EventQuerySchema()
report_query = ReportQuerySchema()
report_out = ReportSchema()
review_schema = ReviewSchema()
review_query = ReviewQuerySchema()
page_query = PageQuerySchema()
event_page_out = EventPageSchema()
access_log_out = AccessLogSchema()
verify_out = VerifySchema()
head_out = HeadSchema()
review_item_out = ReviewItemSchema()
review_items_out = ReviewItemSchema(many=True)
