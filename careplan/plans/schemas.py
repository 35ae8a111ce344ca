"""Input and output shapes for plans, sections, entries, key workers and the care team."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, BaseSchema, DayRange, RefSchema
from careplan.plans.models import AgreedHow

AGREED_HOW = fields.Enum(AgreedHow, by_value=True, required=True)


# Something that has happened: on or before today in Scotland (careplan.core.clock).
def _happened(said: str) -> DayRange:
    """On or before today, in the design system's words for the question (`said`: "The
    date they agreed")."""
    return DayRange(EARLIEST_DAY, clock.today, f"{said} must be today or in the past")


AGREED = _happened("The date they agreed")


class PlanCreateSchema(BaseSchema):
    lead_agency_id = fields.UUID(required=True)
    key_worker_id = fields.UUID(required=True)
    agreed_on = fields.Date(required=True, validate=AGREED)
    agreed_how = AGREED_HOW


class HandOverSchema(BaseSchema):
    agency_id = fields.UUID(required=True)
    staff_id = fields.UUID(required=True)
    agreed_on = fields.Date(required=True, validate=AGREED)
    agreed_how = AGREED_HOW
    # To another lead agency: the previous key worker keeps reading the plan for
    # CAREPLAN_WARM_HAND_OVER_DAYS, unless the person says otherwise (false).
    warm_hand_over = fields.Bool(load_default=True)


class ReopenPlanSchema(BaseSchema):
    """A closed plan back to a lead agency and key worker the person agreed to."""

    lead_agency_id = fields.UUID(required=True)
    key_worker_id = fields.UUID(required=True)
    agreed_on = fields.Date(required=True, validate=AGREED)
    agreed_how = AGREED_HOW


class AgreementSchema(BaseSchema):
    """The person's agreement to their key worker, recorded after a change made without
    them (a bulk hand-over or a departure, issue 22)."""

    agreed_on = fields.Date(required=True, validate=AGREED)
    agreed_how = AGREED_HOW


class ClosePlanSchema(BaseSchema):
    reason = fields.Str(
        required=True,
        validate=validate.OneOf(
            ["support_complete", "moved_away", "transferred", "declined_support", "died", "other"]
        ),
    )
    closed_on = fields.Date(load_default=None, validate=_happened("The date the plan closed"))


class SectionWriteSchema(BaseSchema):
    # The content itself is validated by the section's own schema from the catalogue.
    content = fields.Dict(required=True)


class EntryCreateSchema(BaseSchema):
    occurred_on = fields.Date(load_default=None, validate=_happened("The date it happened"))
    text = fields.Str(required=True, validate=validate.Length(min=1, max=5000))
    # What the update is about (issue 20), at most one: a goal of the person's "My goals
    # and actions" (its `id` there) or one of their shared actions (a task id). Checked
    # against the person's plan and what the writer may see (422 naming the field).
    goal_id = fields.Str(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the id of a goal in the person's goals section"},
    )
    task_id = fields.UUID(
        load_default=None, metadata={"description": "the id of one of the person's actions"}
    )

    @validates_schema
    def _one_thing(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("goal_id") is not None and data.get("task_id") is not None:
            raise ValidationError(
                {"task_id": ["Choose a goal or an action, not both."]},
            )


class CareTeamAddSchema(BaseSchema):
    staff_id = fields.UUID(required=True)
    role = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    # "from" and "to" are Python keywords: data_key keeps the contract's names.
    valid_from = fields.Date(data_key="from", load_default=None)
    valid_to = fields.Date(data_key="to", load_default=None)

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("valid_from") or clock.today(), data.get("valid_to")
        if end is not None and end < start:
            raise ValidationError({"to": ["The end date must be on or after the start date."]})


class AgreedSchema(BaseSchema):
    on = fields.Date()
    how = fields.Str()


class ClosedSchema(BaseSchema):
    on = fields.Date()
    reason = fields.Str()


class SectionSchema(BaseSchema):
    key = fields.Str()
    title = fields.Str()
    sensitivity = fields.Str()
    content = fields.Dict()
    version = fields.Int()
    updated_at = fields.Str(allow_none=True)
    updated_by = fields.Nested(RefSchema, allow_none=True)
    by_person = fields.Bool()  # last written by the person themselves


class PlanSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    lead_agency = fields.Nested(RefSchema)
    key_worker = fields.Nested(RefSchema)
    key_worker_agreed = fields.Nested(AgreedSchema, allow_none=True)  # None: still to ask
    version = fields.Int()
    closed = fields.Nested(ClosedSchema, allow_none=True)
    sections = fields.Dict(keys=fields.Str(), values=fields.Nested(SectionSchema))
    withheld = fields.List(fields.Str())
    basis = fields.Dict(keys=fields.Str(), values=fields.Str())


class SectionVersionSchema(BaseSchema):
    version = fields.Int()
    content = fields.Dict()
    changed_fields = fields.List(fields.Str())
    changed_at = fields.Str()
    changed_by = fields.Nested(RefSchema, allow_none=True)


class EnteredInErrorSchema(BaseSchema):
    at = fields.Str()
    by = fields.Nested(RefSchema)
    reason = fields.Str()


class AboutSchema(BaseSchema):
    """What an update is about, as the reader may see it."""

    kind = fields.Str(metadata={"description": "goal or action"})
    id = fields.Str()
    title = fields.Str(allow_none=True, metadata={"description": "None when withheld or removed"})
    status = fields.Str(allow_none=True)
    # The reader may not see that goal (the goals section) or that action: only that there
    # is one.
    withheld = fields.Bool()
    removed = fields.Bool(metadata={"description": "the goal is no longer in the plan"})


class EntrySchema(BaseSchema):
    id = fields.UUID()
    section = fields.Str()
    occurred_on = fields.Date()
    text = fields.Str()
    author = fields.Nested(RefSchema)
    agency = fields.Nested(RefSchema, allow_none=True)  # None: the person themselves
    by_person = fields.Bool()
    created_at = fields.Str()
    # Marked "entered in error" (the update is kept, labelled): when, by whom, why.
    entered_in_error = fields.Nested(EnteredInErrorSchema, allow_none=True)
    about = fields.Nested(AboutSchema, allow_none=True)  # None: about nothing in particular


class EntryErrorSchema(BaseSchema):
    reason = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"required_message": "Say why this update was entered in error."},
    )


class KeyWorkerHistorySchema(BaseSchema):
    staff = fields.Nested(RefSchema)
    staff_active = fields.Bool()  # False: their account is deactivated
    agency = fields.Nested(RefSchema)
    agreed_on = fields.Date()
    agreed_how = fields.Str()
    from_ = fields.Str(data_key="from")
    to = fields.Str(allow_none=True)


class CareTeamMemberSchema(BaseSchema):
    id = fields.UUID()
    staff_id = fields.UUID()
    name = fields.Str()
    agency = fields.Nested(RefSchema)
    role = fields.Str()
    from_ = fields.Date(data_key="from")
    to = fields.Date(allow_none=True)
    ended_at = fields.Str(allow_none=True)
    how = fields.Str()
    # A current member: in period and their account active (a deactivated account's
    # place is never current: staff_active says why).
    current = fields.Bool()
    staff_active = fields.Bool()
    status = fields.Str()  # current, account_closed or ended


class HandedOverSchema(BaseSchema):
    """The plan after a hand-over: its new version, lead agency and key worker."""

    version = fields.Int()
    lead_agency = fields.Nested(RefSchema)
    key_worker = fields.Nested(RefSchema)
    key_worker_agreed = fields.Nested(AgreedSchema, allow_none=True)  # None: still to ask


class ClosedPlanSchema(BaseSchema):
    closed_on = fields.Date()
    reason = fields.Str()
    version = fields.Int()


plan_create = PlanCreateSchema()
close_plan = ClosePlanSchema()
reopen_plan = ReopenPlanSchema()
hand_over = HandOverSchema()
agreement = AgreementSchema()
section_write = SectionWriteSchema()
entry_create = EntryCreateSchema()
care_team_add = CareTeamAddSchema()
plan_out = PlanSchema()
handed_over_out = HandedOverSchema()
closed_out = ClosedPlanSchema()
section_out = SectionSchema()
versions_out = SectionVersionSchema(many=True)
entry_out = EntrySchema()
entries_out = EntrySchema(many=True)
key_workers_out = KeyWorkerHistorySchema(many=True)
care_team_member_out = CareTeamMemberSchema()
care_team_out = CareTeamMemberSchema(many=True)
entry_error = EntryErrorSchema()
