"""Model attributes stored sealed: `content = sealed("content", "section", json=True)`.

The mapped column holds the sealed text (attribute `_content`); the property seals on
write and opens on read, binding the table, column and row id as associated data.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from careplan.core import unproxied
from careplan.extensions import db


def vault() -> Any:
    return unproxied.app().extensions["careplan.vault"]


def aad(table: str, column: str, row_id: uuid.UUID | str) -> str:
    return f"{table}.{column}:{row_id}"


def sealed(column: str, family: str, *, as_json: bool = False) -> property:
    stored = "_" + column
    cache = "_opened_" + column

    def read(obj: Any) -> Any:
        value = getattr(obj, stored)
        if value is None:
            return None
        hit = obj.__dict__.get(cache)
        if hit is not None and hit[0] == value:
            return hit[1]
        data = vault().open(db.session, aad(obj.__tablename__, column, obj.id), value)
        opened = json.loads(data) if as_json else data.decode("utf-8")
        obj.__dict__[cache] = (value, opened)
        return opened

    def write(obj: Any, value: Any) -> None:
        if obj.id is None:
            obj.id = uuid.uuid4()  # the id is part of the associated data: fix it now
        if value is None:
            setattr(obj, stored, None)
            return
        data = json.dumps(value).encode() if as_json else str(value).encode("utf-8")
        setattr(
            obj,
            stored,
            vault().seal(db.session, family, aad(obj.__tablename__, column, obj.id), data),
        )
        obj.__dict__[cache] = (getattr(obj, stored), value)

    return property(read, write, doc=f"{column}, sealed with the {family} data key")
