"""Input and output shapes for merging records of one person."""

from __future__ import annotations

from marshmallow import fields, validate

from careplan.core.schemas import BaseSchema

REASON = validate.Length(min=10, max=1000)


class MergeSchema(BaseSchema):
    survivor_id = fields.UUID(required=True, metadata={"description": "the record that stays"})
    duplicate_id = fields.UUID(
        required=True, metadata={"description": "the second record, joined into the first"}
    )
    reason = fields.Str(
        required=True,
        validate=REASON,
        metadata={"description": "how you know they are one person (recorded, sealed)"},
    )


class DistinctSchema(BaseSchema):
    reason = fields.Str(required=True, validate=REASON)


class RecordSchema(BaseSchema):
    """A person's identity as an IG officer or administrator sees it: never plan content."""

    id = fields.UUID()
    given_name = fields.Str()
    family_name = fields.Str()
    preferred_name = fields.Str(allow_none=True)
    date_of_birth = fields.Date()
    chi = fields.Str(allow_none=True)
    has_plan = fields.Bool()
    plan_closed = fields.Bool()


class CandidateSchema(BaseSchema):
    id = fields.UUID()
    noted_at = fields.Str()
    registered = fields.Nested(RecordSchema, metadata={"description": "registered second"})
    existing = fields.Nested(RecordSchema, metadata={"description": "already registered"})


class MergedSchema(BaseSchema):
    survivor_id = fields.UUID()
    duplicate_id = fields.UUID()
    moved_plan = fields.UUID(allow_none=True)
    moved_consents = fields.List(fields.UUID())
    moved_account = fields.UUID(allow_none=True)
    moved_subject_access_requests = fields.List(fields.UUID())
    copied_identity = fields.List(fields.Str())
    closed_plan_kept_with_merged_record = fields.UUID(allow_none=True)


class DecisionSchema(BaseSchema):
    """The page's one question about a pair: merge (which record stays) or two people."""

    decision = fields.Str(
        required=True,
        validate=validate.OneOf(["keep_existing", "keep_registered", "distinct"]),
        error_messages={"required": "Choose whether these are the same person."},
    )
    reason = fields.Str(
        required=True,
        validate=REASON,
        error_messages={"required": "Say how you know."},
    )


merge_schema = MergeSchema()
decision_schema = DecisionSchema()
distinct_schema = DistinctSchema()
candidates_out = CandidateSchema(many=True)
merged_out = MergedSchema()
