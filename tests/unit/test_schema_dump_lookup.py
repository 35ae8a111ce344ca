"""The base schema's dump lookup (careplan.core.schemas.BaseSchema.get_attribute): a plain
dict by key, everything else as marshmallow looks it up, with the same output."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from marshmallow import fields

from careplan.core.schemas import BaseSchema, RefSchema


class _Shown(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    items = fields.List(fields.Str())
    values = fields.Int()
    owner = fields.Nested(RefSchema, allow_none=True)
    owner_name = fields.Str(attribute="owner.name")


def test_dict_fields_dump_as_marshmallow_dumps_them() -> None:
    ident = uuid.uuid4()
    body = {
        "id": ident,
        "name": "Housing",
        "items": ["a", "b"],
        "values": 3,
        "owner": {"id": ident, "name": "Aileen"},
    }
    assert _Shown().dump(body) == {
        "id": str(ident),
        "name": "Housing",
        "items": ["a", "b"],
        "values": 3,
        "owner": {"id": str(ident), "name": "Aileen"},
        "owner_name": "Aileen",  # a dotted attribute still goes through marshmallow
    }


def test_a_missing_key_is_left_out_never_a_method_of_the_dict() -> None:
    # marshmallow's own lookup falls back to getattr: a missing "items" or "values" would
    # be the dict's bound methods, and the dump would fail or show them.
    assert _Shown().dump({"name": "Money"}) == {"name": "Money"}


def test_objects_are_dumped_by_attribute_as_before() -> None:
    ident = uuid.uuid4()
    owner = SimpleNamespace(id=ident, name="Aileen")
    shown = SimpleNamespace(id=ident, name="Goals", items=["x"], values=1, owner=owner)
    assert _Shown().dump(shown) == {
        "id": str(ident),
        "name": "Goals",
        "items": ["x"],
        "values": 1,
        "owner": {"id": str(ident), "name": "Aileen"},
        "owner_name": "Aileen",
    }
