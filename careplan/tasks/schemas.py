"""Input and output shapes for shared actions (tasks)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import LATEST_DAY, BaseSchema, DayRange
from careplan.tasks.models import TaskSource, TaskStatus

# A due day is today or later (a day in Scotland), within the service's dates.
DUE = DayRange(clock.today, LATEST_DAY, "The due date must be today or in the future")
OWNER = "who owns this action"
# Which part of the plan an action is about (a catalogue key; the service checks it is
# one): who may see the action follows from it (careplan.access.policy._decide_task).
SECTION = fields.Str(
    load_default=None,
    validate=validate.Length(min=1, max=50),
    metadata={"label": "which part of the plan the action is about"},
)
SECTION_MESSAGE = "Choose the part of the plan the action is about from the list."
# Tasks created directly; the others come from their record (a meeting, a referral, a
# correction, a crisis event, a hand-over) when it is made.
DIRECT_SOURCES = [TaskSource.GOAL.value]


class OwnerSchema(BaseSchema):
    """Exactly one owner: a practitioner or an organisation. `owner_message`: what to
    say when there is none, or two (the question a form asks)."""

    owner_message = "Choose who owns this action"

    owner_staff_id = fields.UUID(load_default=None, metadata={"label": OWNER})
    owner_agency_id = fields.UUID(load_default=None, metadata={"label": OWNER})

    @validates_schema
    def _one_owner(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("owner_staff_id") is None) == (data.get("owner_agency_id") is None):
            raise ValidationError({"owner_staff_id": [self.owner_message]})


class TaskCreateSchema(OwnerSchema):
    title = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"label": "what the action is"},
    )
    due_on = fields.Date(load_default=None, validate=DUE, metadata={"label": "the due date"})
    source = fields.Str(
        load_default="goal",
        validate=validate.OneOf(DIRECT_SOURCES),
        metadata={"label": "the action's source"},
    )
    # Default: "goals" (an action towards the person's goals).
    section = SECTION


class TaskStatusSchema(BaseSchema):
    status = fields.Enum(
        TaskStatus,
        by_value=True,
        required=True,
        metadata={
            "label": "the action's status",
            "required_message": "Choose whether the action is open, done or cancelled",
        },
    )
    note = fields.Str(
        load_default=None, validate=validate.Length(max=2000), metadata={"label": "a note"}
    )


class TaskSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    person_name = fields.Str(allow_none=True)
    title = fields.Str()
    owner_staff_id = fields.UUID(allow_none=True)
    owner_agency_id = fields.UUID(allow_none=True)
    owner_name = fields.Str()
    due_on = fields.Date(allow_none=True)
    overdue = fields.Bool()
    status = fields.Str()
    source = fields.Str()
    source_id = fields.UUID(allow_none=True)
    # The catalogue key of the part of the plan it is about; null: the plan as a whole.
    section = fields.Str(allow_none=True)
    status_note = fields.Str(allow_none=True)
    status_changed_at = fields.Str(allow_none=True)
    created_at = fields.Str()
    version = fields.Int()


task_create = TaskCreateSchema()
task_status = TaskStatusSchema()
task_out = TaskSchema()
tasks_out = TaskSchema(many=True)
