"""Output shape of the chronology."""

from __future__ import annotations

from marshmallow import fields, validate

from careplan.core.schemas import BaseSchema
from careplan.plans.schemas import AboutSchema


class ItemSchema(BaseSchema):
    on = fields.Date()
    at = fields.Str()
    kind = fields.Str(
        metadata={
            "description": "update, meeting, key_worker, plan_closed, plan_reopened, "
            "consent, crisis, correction, "
            "referral (one per answer: made, received, accepted, rejected, in progress, "
            "paused, completed, cancelled, closed) or housing_ask (ask and act)"
        }
    )
    title = fields.Str()
    by = fields.Str()
    agency = fields.Str()
    text = fields.Str(allow_none=True)
    section = fields.Str(allow_none=True)
    about = fields.Nested(
        AboutSchema,
        allow_none=True,
        metadata={"description": "an update's goal or action, as the caller may see it"},
    )
    entered_in_error = fields.Nested(
        "EnteredInErrorItemSchema",
        allow_none=True,
        metadata={"description": "an update marked entered in error (only when included)"},
    )


class EnteredInErrorItemSchema(BaseSchema):
    at = fields.Str()
    reason = fields.Str()
    by = fields.Str(metadata={"description": "who marked it (their name)"})


class ChronologyQuerySchema(BaseSchema):
    include = fields.Str(
        validate=validate.OneOf(["entered_in_error"]),
        metadata={"description": "entered_in_error: show updates marked so, labelled"},
    )
    about = fields.Str(
        validate=validate.Regexp(
            r"^(goal:[^\s]{1,64}|action:[0-9a-fA-F-]{36})$",
            error="Give goal:<goal id> or action:<action id>.",
        ),
        metadata={"description": "goal:<id> or action:<id>: only the updates about it"},
    )


class ChronologySchema(BaseSchema):
    items = fields.List(fields.Nested(ItemSchema))
    withheld = fields.List(fields.Str())


chronology_out = ChronologySchema()
chronology_query = ChronologyQuerySchema()
