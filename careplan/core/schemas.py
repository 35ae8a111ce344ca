"""The one base schema: unknown fields are rejected, everywhere."""

from marshmallow import RAISE, Schema


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True
