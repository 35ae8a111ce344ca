"""JSON responses encoded by orjson, with Flask's own rules for everything else.

Every API response is a JSON body that marshmallow has already reduced to plain values;
encoding it with the standard library took about a tenth of a plan view's own time.
orjson writes the same JSON for those values, compact, with non-ASCII characters as UTF-8
rather than escaped (both are JSON; the charset is UTF-8). Anything it would write
differently from Flask (dates and times, dataclasses, objects with `__html__`) is passed
to Flask's default conversion, so no response changes shape. Parsing request bodies is
left to Flask (the standard library), unchanged.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME  # dates and times as Flask writes them
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_NON_STR_KEYS  # integer keys as strings, as `json` writes them
)


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs or self.sort_keys:  # options only the standard library has
            return super().dumps(obj, **kwargs)
        return self._encode(obj).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        indented = (self.compact is None and self._app.debug) or self.compact is False
        if indented or self.sort_keys:  # for people reading it, or sorted
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self._encode(obj) + b"\n", mimetype=self.mimetype)

    def _encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self.default, option=_OPTIONS)
