"""Every input schema's messages name the field and say what to do (issue 17): each schema
is given nothing, and then the wrong kind of value in every field, and none of marshmallow's
default messages comes back. The pages and the API (its `fields` map) show these messages,
so this covers both; tests/web/test_plain_messages.py walks the pages themselves."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from careplan.core.errors import flatten_messages
from careplan.core.messages import label_of, plain_messages
from careplan.core.schemas import BaseSchema
from careplan.identity.schemas import FormSchema
from tests.unit.test_input_rules import _import_every_schema_module, _subclasses
from tests.web.forms_walk import default_messages_in


def _input_schemas() -> list[Schema]:
    _import_every_schema_module()
    found = []
    for cls in [*_subclasses(BaseSchema), *_subclasses(FormSchema)]:
        schema = cls()
        if any(not f.dump_only for f in schema.load_fields.values()):
            found.append(schema)
    return found


WRONG = ("zz-not-this", 12.5, ["zz"], {"zz": "zz"}, None, True, "x" * 6000, "31/02/1990")


def _messages(schema: Schema, data: Any) -> dict[str, list[str]]:
    try:
        schema.load(data)
    except ValidationError as exc:
        return flatten_messages(exc.messages)
    return {}


def test_no_schema_gives_a_default_message(app):
    schemas = _input_schemas()
    assert len(schemas) > 40
    shown = []
    for schema in schemas:
        tries: list[Any] = [{}, [], "zz", {"unknown_field": 1}]
        tries += [{name: wrong for name in schema.load_fields} for wrong in WRONG]
        for data in tries:
            for field, messages in _messages(schema, data).items():
                for message in messages:
                    if default_messages_in(message):
                        shown.append((type(schema).__name__, field, message))
    assert not shown, shown[:20]


def test_messages_name_the_field_and_say_what_to_do():
    class Person(BaseSchema):
        given_name = fields.Str(required=True)
        born = fields.Date(required=True, metadata={"label": "their date of birth"})
        how = fields.Str(required=True, metadata={"required_message": "Choose how they told you"})

    messages = _messages(Person(), {})
    assert messages == {
        "given_name": ["Enter their first name"],
        "born": ["Enter their date of birth"],
        "how": ["Choose how they told you"],
    }
    assert _messages(Person(), {"given_name": "A", "born": "31/02/1990", "how": "x"}) == {
        "born": ["Their date of birth must be a real date"]
    }


def test_a_message_given_by_hand_is_kept():
    field = fields.Str(required=True, error_messages={"required": "Enter the code."})
    plain_messages("code", field)
    assert field.error_messages["required"] == "Enter the code."
    assert field.error_messages["null"] == "Enter the code"


@pytest.mark.parametrize(
    ("name", "said"),
    [("review_on", "review date"), ("chi", "their CHI number"), ("odd_name", "odd name")],
)
def test_labels(name, said):
    assert label_of(name, fields.Str()) == said
