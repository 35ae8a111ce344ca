"""What every request goes through, made cheaper without changing what it does: the app
class's `ensure_sync` (careplan.core.application) and the base schema's dump lookup
(careplan.core.schemas.BaseSchema.get_attribute)."""

from __future__ import annotations

import functools
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from marshmallow import fields

from careplan.core.application import CarePlanFlask
from careplan.core.schemas import BaseSchema, RefSchema


def _plain() -> str:
    return "plain"


async def _coroutine() -> str:
    return "async"


def test_a_plain_function_is_returned_as_it_is_each_time() -> None:
    app = CarePlanFlask(__name__)
    assert app.ensure_sync(_plain) is _plain
    assert app.ensure_sync(_plain) is _plain
    assert app._plain_functions == {_plain: _plain}


def test_a_coroutine_function_is_left_to_flask_and_not_remembered() -> None:
    app, flask_app = CarePlanFlask(__name__), Flask(__name__)
    try:
        expected: Any = flask_app.ensure_sync(_coroutine)
    except RuntimeError as exc:  # Flask's answer when its `async` extra is missing
        with pytest.raises(RuntimeError, match=str(exc)[:30]):
            app.ensure_sync(_coroutine)
    else:
        made = app.ensure_sync(_coroutine)
        assert made is not _coroutine
        assert made() == expected() == "async"
    assert _coroutine not in app._plain_functions


def test_callables_that_cannot_be_keys_still_work() -> None:
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self) -> str:
            return "called"

    app = CarePlanFlask(__name__)
    hook = Unhashable()
    assert app.ensure_sync(hook) is hook
    bound = functools.partial(_plain)
    assert app.ensure_sync(bound) is bound


def test_hooks_and_views_run_as_before() -> None:
    app = CarePlanFlask(__name__)
    seen: list[str] = []
    app.before_request(lambda: seen.append("before"))

    @app.after_request
    def after(response: Any) -> Any:
        seen.append("after")
        response.headers["X-Seen"] = ",".join(seen)
        return response

    app.add_url_rule("/", "index", lambda: "hello")
    client = app.test_client()
    for _ in range(2):
        response = client.get("/")
        assert response.get_data(as_text=True) == "hello"
    assert response.headers["X-Seen"] == "before,after,before,after"


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
