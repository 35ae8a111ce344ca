"""Request and response helpers shared by every API handler: JSON in, versions, JSON out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import Response, jsonify, request, url_for
from marshmallow import Schema

from careplan.core.errors import PreconditionFailed, PreconditionRequired, UnsupportedMediaType
from careplan.core.untrusted import read_json

F = TypeVar("F", bound=Callable[..., Any])

# How a route treats If-Match, for the OpenAPI document.
IF_MATCH_REQUIRED = "required"
IF_MATCH_OPTIONAL = "optional"


def json_body(schema: Schema) -> Any:
    """The JSON body, read within the service's limits (careplan.core.untrusted.read_json)
    and loaded by `schema`. Raises UnsupportedMediaType (415) for another content type,
    BadRequest (400) for malformed or unsafe JSON, ValidationError (400) for invalid data."""
    if not request.is_json:
        raise UnsupportedMediaType()
    return schema.load(read_json(request.get_data(cache=True)))


def query_args() -> dict[str, str]:
    """The request's query parameters for a route's query schema: each name's first value,
    without `purpose`, which every address takes and careplan.access.purposes reads (a
    query schema that refused it broke API.md's "`purpose` query parameter")."""
    return {k: v for k, v in request.args.to_dict().items() if k != "purpose"}


def _entity_tags(header: str) -> list[str]:
    """The entity tags of an If-Match header (RFC 9110 section 13.1.1), quotes and a weak
    prefix removed: '"3", W/"4"' -> ["3", "4"]; '*' -> ["*"]."""
    return [t.strip().removeprefix("W/").strip('"') for t in header.split(",") if t.strip()]


def check_version(current: int, *, required: bool = True) -> None:
    """A versioned write goes ahead only against the version its client read.

    If-Match must name `current` (the version the response's ETag gave, `"3"`).
    Missing (when `required`) or `*` (which names no version, RFC 9110 section 13.1.1, so a
    client could overwrite a version it never read): PreconditionRequired, 428 (RFC 6585
    section 3). Another version: PreconditionFailed, 412. `required=False` for the one
    write that must never be blocked by a missing header (withdrawing consent); a header
    that is sent is checked all the same."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired(
                fields={"If-Match": ['Missing. Send the ETag you last read, such as "3".']}
            )
        return
    tags = _entity_tags(header)
    if "*" in tags:
        raise PreconditionRequired(
            fields={"If-Match": ['"*" is not accepted. Send the ETag you last read, such as "3".']}
        )
    if str(current) not in tags:
        raise PreconditionFailed()


def require_version(current: int) -> None:
    """If-Match is required and must name `current` (`check_version`)."""
    check_version(current, required=True)


def paged(response: Response, endpoint: str, total: int, offset: int, limit: int) -> Response:
    """A page of a list: `X-Total-Count` (how many in all) and, when more follow, a `Link`
    to the next page (RFC 8288, rel="next") with the request's own query and the next
    offset. Returns `response`."""
    response.headers["X-Total-Count"] = str(total)
    following = offset + limit
    if following < total:
        args = {k: v for k, v in request.args.to_dict().items() if k != "offset"}
        link = url_for(endpoint, **args, offset=following)
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response


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
    if_match: str | None = None,
    errors: Iterable[int] = (),
    versioned: bool = False,
    body_required: bool = True,
    media_type: str = "application/json",
    also_media_types: Iterable[str] = (),
    path_values: Mapping[str, Iterable[str] | Callable[[], Iterable[str]]] | None = None,
) -> Callable[[F], F]:
    """Attach what the OpenAPI document says about a route; the same schemas validate it.
    `if_match`: IF_MATCH_REQUIRED or IF_MATCH_OPTIONAL for a versioned write (its 412 and
    428 answers are then published); `errors`: the route's other answers beyond those every
    route may give (e.g. 409, 422); `versioned`: the answer carries an ETag; `media_type`:
    of the success answer (`also_media_types`: others it may take); `path_values`: the
    values a plain string part of the path takes (or a function giving them when the
    document is built, in the app's context)."""

    def wrap(view: F) -> F:
        view.__openapi__ = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "response": response,
            "status": status,
            "query": query,
            "if_match": if_match,
            "errors": tuple(errors),
            "versioned": versioned,
            "body_required": body_required,
            "media_type": media_type,
            "also_media_types": tuple(also_media_types),
            "path_values": dict(path_values or {}),
        }
        return view

    return wrap
