"""The one base schema: unknown fields are rejected, everywhere."""

from marshmallow import RAISE, Schema, fields


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class RefSchema(BaseSchema):
    """Another record named in a response: its id and display name."""

    id = fields.UUID()
    name = fields.Str()
