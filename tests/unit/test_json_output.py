"""JSON responses are encoded by orjson (careplan.core.json_output) and read the same as
Flask's own encoder would write them, whatever the values."""

from __future__ import annotations

import dataclasses
import enum
import json
import uuid
from datetime import UTC, date, datetime

from flask.json.provider import DefaultJSONProvider


class Colour(enum.StrEnum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


def _values() -> dict:
    return {
        "text": "Eilidh\u2019s plan, Gàidhlig",
        "id": uuid.UUID("8f965949-6953-4b17-b8dd-71fe88908321"),
        "on": date(2026, 11, 23),
        "at": datetime(2026, 11, 23, 14, 5, tzinfo=UTC),
        "colour": Colour.RED,
        "point": Point(1, 2),
        "numbers": {1: "one"},
        "nothing": None,
        "list": [1, 2.5, True],
    }


def test_a_response_reads_as_flasks_own_encoding_would(app) -> None:
    flask_own = DefaultJSONProvider(app)
    with app.test_request_context():
        ours = app.json.response(_values())
        theirs = flask_own.response(_values())
    assert ours.mimetype == "application/json"
    assert json.loads(ours.get_data()) == json.loads(theirs.get_data())
    # Non-ASCII is written as UTF-8, not escaped; both are the same JSON.
    assert "Gàidhlig".encode() in ours.get_data()
    assert app.json.loads(app.json.dumps(_values())) == json.loads(flask_own.dumps(_values()))


def test_the_order_of_keys_is_kept(app) -> None:
    ordered = {"z": 1, "a": 2, "m": 3}
    assert list(json.loads(app.json.dumps(ordered))) == ["z", "a", "m"]


def test_sorted_and_indented_output_still_available(app) -> None:
    app.json.sort_keys = True
    try:
        assert app.json.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    finally:
        app.json.sort_keys = False
    app.json.compact = False
    try:
        with app.test_request_context():
            assert b'\n  "a": 1' in app.json.response({"a": 1}).get_data()
    finally:
        app.json.compact = None
