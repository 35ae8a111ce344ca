"""Input and output shapes for reviews and multi-agency meetings (API.md, "The living plan")."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, LATEST_DAY, BaseSchema, DayRange, Distinct
from careplan.meetings.models import MeetingKind
from careplan.tasks.schemas import DUE, SECTION, OwnerSchema

HELD = DayRange(
    EARLIEST_DAY, clock.today, "The date the meeting took place must be today or in the past"
)
NEXT_REVIEW = DayRange(
    clock.today, LATEST_DAY, "The date of the next review must be today or in the future"
)
TEXT = validate.Length(max=10000)


class AttendeeSchema(BaseSchema):
    """A staff member by account (`staff_id`), or anyone else by name, organisation and
    role (a supporter, a worker without an account)."""

    staff_id = fields.UUID(load_default=None)
    name = fields.Str(load_default=None, validate=validate.Length(min=1, max=200))
    agency_name = fields.Str(load_default=None, validate=validate.Length(max=200))
    role = fields.Str(load_default=None, validate=validate.Length(max=100))

    @validates_schema
    def _one_kind(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("staff_id") is None) == (data.get("name") is None):
            raise ValidationError(
                {
                    "name": [
                        "Choose a member of staff who attended, or enter the name of someone else"
                    ]
                }
            )


def attendee_key(attendee: dict[str, Any]) -> Any:
    """Who an attendee is, to find one named twice: a staff member by account; anyone
    else by name, organisation and role, in any case and spacing."""
    if attendee.get("staff_id") is not None:
        return ("staff", attendee["staff_id"])
    said = [" ".join((attendee.get(k) or "").casefold().split()) for k in ATTENDEE_NAMED]
    return ("named", *said)


ATTENDEE_NAMED = ("name", "agency_name", "role")


class ActionSchema(OwnerSchema):
    title = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"label": "what the action is"},
    )
    due_on = fields.Date(load_default=None, validate=DUE, metadata={"label": "the due date"})
    # None: about the plan as a whole (seen by whoever reads what was said, and its owner).
    section = SECTION


class MeetingCreateSchema(BaseSchema):
    held_on = fields.Date(
        required=True, validate=HELD, metadata={"label": "the date the meeting took place"}
    )
    kind = fields.Enum(
        MeetingKind, by_value=True, required=True, metadata={"label": "what kind of meeting it was"}
    )
    attendees = fields.List(
        fields.Nested(AttendeeSchema),
        load_default=list,
        validate=[
            validate.Length(max=50),
            Distinct("Choose each person who attended once", key=attendee_key),
        ],
    )
    person_attended = fields.Bool(load_default=False)
    person_views = fields.Str(
        load_default=None, validate=TEXT, metadata={"label": "the person's views"}
    )
    summary = fields.Str(load_default=None, validate=TEXT, metadata={"label": "the summary"})
    decisions = fields.Str(load_default=None, validate=TEXT, metadata={"label": "what was decided"})
    actions = fields.List(
        fields.Nested(ActionSchema), load_default=list, validate=validate.Length(max=50)
    )
    next_review_on = fields.Date(
        load_default=None, validate=NEXT_REVIEW, metadata={"label": "the date of the next review"}
    )


class AttendeeOutSchema(BaseSchema):
    staff_id = fields.UUID(allow_none=True)
    name = fields.Str()
    agency_name = fields.Str(allow_none=True)
    role = fields.Str(allow_none=True)


class MeetingActionOutSchema(BaseSchema):
    task_id = fields.UUID()
    title = fields.Str()
    section = fields.Str(allow_none=True)
    owner_name = fields.Str()
    due_on = fields.Date(allow_none=True)
    status = fields.Str()


class MeetingSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    held_on = fields.Date()
    kind = fields.Str()
    attendees = fields.List(fields.Nested(AttendeeOutSchema))
    person_attended = fields.Bool()
    # Null when withheld: what was said is for the key worker, lead agency and the person.
    person_views = fields.Str(allow_none=True)
    summary = fields.Str(allow_none=True)
    decisions = fields.Str(allow_none=True)
    withheld = fields.List(fields.Str())
    actions = fields.List(fields.Nested(MeetingActionOutSchema))
    next_review_on = fields.Date(allow_none=True)
    recorded_by = fields.Str()
    created_at = fields.Str()
    version = fields.Int()


meeting_create = MeetingCreateSchema()
meeting_out = MeetingSchema()
meetings_out = MeetingSchema(many=True)
