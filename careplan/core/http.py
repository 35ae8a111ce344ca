"""Request and response helpers shared by every API handler: JSON in, versions, JSON out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, jsonify, request
from marshmallow import Schema

from careplan.core.errors import BadRequest, PreconditionFailed, UnsupportedMediaType

F = TypeVar("F", bound=Callable[..., Any])


def json_body(schema: Schema) -> Any:
    """Parse and validate the JSON body; wrong type 415, malformed or invalid 400."""
    if not request.is_json:
        raise UnsupportedMediaType()
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The body is not valid JSON.", fields={"_body": ["Malformed JSON."]})
    return schema.load(data)


def require_version(current: int) -> None:
    """Versioned writes: If-Match must name the current version, or nothing changes."""
    header = request.headers.get("If-Match")
    if not header:
        raise BadRequest(
            "Send If-Match with the version you are changing.",
            fields={"If-Match": ["Missing. Send the ETag you last read."]},
        )
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    if "*" in tags:
        return
    if str(current) not in tags:
        raise PreconditionFailed()


def etag(version: int) -> str:
    return f'"{version}"'


def respond(body: Any, status: int = 200, version: int | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    if version is not None:
        response.headers["ETag"] = etag(version)
    return response


def documented(
    summary: str,
    *,
    body: Schema | None = None,
    response: Schema | None = None,
    status: int = 200,
    query: Schema | None = None,
) -> Callable[[F], F]:
    """Attach what the OpenAPI document says about a route; the same schemas validate it."""

    def wrap(view: F) -> F:
        view.__openapi__ = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "response": response,
            "status": status,
            "query": query,
        }
        return view

    return wrap
