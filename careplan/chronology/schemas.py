"""Output shape of the chronology."""

from __future__ import annotations

from marshmallow import fields

from careplan.core.schemas import BaseSchema


class ItemSchema(BaseSchema):
    on = fields.Date()
    at = fields.Str()
    kind = fields.Str()
    title = fields.Str()
    by = fields.Str()
    agency = fields.Str()
    text = fields.Str(allow_none=True)
    section = fields.Str(allow_none=True)


class ChronologySchema(BaseSchema):
    items = fields.List(fields.Nested(ItemSchema))
    withheld = fields.List(fields.Str())


chronology_out = ChronologySchema()
