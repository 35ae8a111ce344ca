"""Input and output shapes for crisis events."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, LATEST_DAY, BaseSchema, DayRange
from careplan.crisis.models import CrisisKind
from careplan.tasks.schemas import OwnerSchema

HAPPENED = DayRange(EARLIEST_DAY, clock.today, "The date it happened must be today or in the past")


class FollowUpSchema(OwnerSchema):
    owner_message = "Choose who will follow this up"

    due_on = fields.Date(
        load_default=None,
        validate=DayRange(
            EARLIEST_DAY, LATEST_DAY, "The date the follow-up is due must be a real date"
        ),
        metadata={"label": "the date the follow-up is due"},
    )


class CrisisCreateSchema(BaseSchema):
    kind = fields.Enum(
        CrisisKind, by_value=True, required=True, metadata={"label": "what happened"}
    )
    occurred_on = fields.Date(
        required=True, validate=HAPPENED, metadata={"label": "the date it happened"}
    )
    note = fields.Str(
        load_default=None, validate=validate.Length(max=5000), metadata={"label": "a note"}
    )
    follow_up = fields.Nested(
        FollowUpSchema,
        required=True,
        metadata={"required_message": "Choose who will follow this up"},
    )

    @validates_schema
    def _after(self, data: dict[str, Any], **_: Any) -> None:
        due = (data.get("follow_up") or {}).get("due_on")
        if due is not None and data.get("occurred_on") and due < data["occurred_on"]:
            raise ValidationError(
                {
                    "follow_up": {
                        "due_on": [
                            "The date the follow-up is due must be the same as or after the "
                            "date it happened"
                        ]
                    }
                }
            )


class CrisisSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    kind = fields.Str()
    occurred_on = fields.Date()
    note = fields.Str(allow_none=True)
    follow_up_task_id = fields.UUID()
    follow_up_owner = fields.Str()
    follow_up_due_on = fields.Date(allow_none=True)
    followed_up = fields.Bool()
    recorded_by = fields.Str()
    created_at = fields.Str()


crisis_create = CrisisCreateSchema()
crisis_out = CrisisSchema()
crises_out = CrisisSchema(many=True)
