"""How audit values are stored: as text, exactly as they were hashed.

Ids, times and JSON are kept in the database as the very strings the chain hash covers,
so verification can read rows with the plain driver and hash them without parsing
anything (this is what makes it fast), and the hash means the same on SQLite and
PostgreSQL. The ORM still sees UUIDs, datetimes and Python objects through these types.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator

# One encoder, made once: `json.dumps` with options builds a new one on every call.
_encode_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def json_text(value: Any) -> str:
    return _encode_json(value)


def time_text(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


class JSONText(TypeDecorator[Any]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json_text(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


class UUIDText(TypeDecorator[uuid.UUID]):
    impl = String(36)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Any) -> uuid.UUID | None:
        return None if value is None else uuid.UUID(value)


class TimeText(TypeDecorator[datetime]):
    """ISO 8601 UTC text: sorts and compares as time does, on every database."""

    impl = String(26)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return time_text(value)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)
