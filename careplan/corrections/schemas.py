"""Input and output shapes for the person's corrections."""

from __future__ import annotations

from marshmallow import fields, validate

from careplan.core.schemas import BaseSchema


class CorrectionCreateSchema(BaseSchema):
    section = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"required_message": "Choose the part of your plan that needs correcting."},
    )
    text = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"required_message": "Tell us what is wrong, and what it should say."},
    )


class CorrectionAnswerSchema(BaseSchema):
    answer = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"required_message": "Enter your answer to the person."},
    )


class CorrectionSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    section = fields.Str()
    section_title = fields.Str()
    text = fields.Str()
    status = fields.Str()
    task_id = fields.UUID()
    answer = fields.Str(allow_none=True)
    answered_by = fields.Str(allow_none=True)
    answered_at = fields.Str(allow_none=True)
    created_at = fields.Str()
    version = fields.Int()


correction_create = CorrectionCreateSchema()
correction_answer = CorrectionAnswerSchema()
correction_out = CorrectionSchema()
corrections_out = CorrectionSchema(many=True)
