"""The OpenAPI 3 document, generated from the routes and the same marshmallow schemas.

What each operation publishes is what the service does (a schemathesis run over this
document, tests/api/test_openapi_contract.py, fails on any answer it does not describe):
- its success answer and schema, and `ETag` for a versioned resource;
- the error answers every route may give, in the error shape (`Error`): 400 (bad input,
  including a path or query string that holds unstorable text), 401 and 403 (signed-in
  routes), 404, 503 (the audit record, a key or the database could not be had, so nothing
  was done); a body adds 413 (too large) and 415 (not JSON); a versioned write adds the `If-Match`
  header, 412 (another version) and 428 (If-Match missing or `*`, RFC 6585 section 3);
  the route's own further answers (409, 422) come from its `documented(errors=...)`;
- minimum and maximum lengths (minLength counts readable characters: spaces and invisible
  characters do not count), number ranges, and date ranges as x-minimum and x-maximum;
- every answer's `X-Request-Id` header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, current_app, jsonify
from marshmallow import Schema, fields
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, UUIDConverter

from careplan.access.pipeline import declared, public
from careplan.core import clock
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_OPTIONAL, IF_MATCH_REQUIRED
from careplan.plans.section_schemas import SCHEMAS

_ARGUMENT = re.compile(r"<(?:[^<>]*:)?([A-Za-z_][A-Za-z0-9_]*)>")
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "fields"],
    "properties": {
        "error": {"type": "string", "description": "a code: invalid, not_found, conflict..."},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "description": "field (a dotted path into the body) -> messages",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "reason": {"type": "string", "description": "403 only: why (a denial's name)"},
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
REQUEST_ID = {
    "X-Request-Id": {
        "description": "The request's id, also in its audit records",
        "required": True,
        "schema": {"type": "string"},
    }
}
ETAG = {
    "ETag": {
        "description": 'The version, as a strong entity tag ("3"): send it back in If-Match',
        "schema": {"type": "string"},
    }
}
DESCRIPTIONS = {
    400: "Bad input: fields names each problem",
    401: "No token, or not a valid one",
    403: "Not permitted (reason says why), or a read-only token",
    404: "Not found, or a person the caller has no basis for (the same answer)",
    409: "Conflicts with the current state",
    412: "If-Match names another version: nothing was changed",
    413: "The body is too large",
    415: "The body is not JSON (application/json)",
    422: "Makes no sense in this state (a record it names cannot be used)",
    428: "If-Match is missing, or is * (send the ETag you read): nothing was changed",
    503: "Could not be recorded, keys are unavailable, or the database cannot be reached "
    "(Retry-After): nothing was done",
}
IF_MATCH_DESCRIPTION = (
    'The version you read (its ETag, such as "3"). * is not accepted: a client must '
    "name the version it is changing."
)


def build_spec(app: Flask) -> dict[str, Any]:
    """The document for every API route that is `documented` (careplan.core.http)."""
    spec = APISpec(
        title="Shared coordinated care plan service",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR_SCHEMA)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "__openapi__", None)
        if meta is None:
            continue
        access = declared(view)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            permission = access.permission_for(method) if access else None
            operation = _operation(meta, _path_parameters(rule, meta), signed_in=bool(permission))
            if permission is not None:
                # The permission the access policy decides before the handler runs.
                operation["x-permission"] = permission.value
            spec.path(path=_path(rule), operations={method.lower(): operation})
    # A plan section's content (`content` of a section write or read) is checked by that
    # section's own schema: each is published as `Section<Name>`, every field with the
    # question the section's form asks as its description (issue 17).
    for schema_cls in _section_schemas():
        name = "Section" + schema_cls.__name__.removesuffix("Schema")
        spec.components.schema(name, schema=schema_cls)
    return spec.to_dict()


def _section_schemas() -> list[type[Schema]]:
    """Every schema of the plan sections' content, each nested one before the schemas that
    hold it (so it is published once, under its own `Section` name)."""
    found: list[type[Schema]] = []

    def visit(schema_cls: type[Schema]) -> None:
        if schema_cls in found:
            return
        for f in schema_cls._declared_fields.values():
            inner = f.inner if isinstance(f, fields.List) else f
            if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
                visit(inner.nested)
        found.append(schema_cls)

    for schema_cls in SCHEMAS.values():
        visit(schema_cls)
    return found


def _path(rule: Rule) -> str:
    """Flask's <uuid:person_id> or <any('a','b'):kind> as OpenAPI's {person_id}, {kind}."""
    return _ARGUMENT.sub(r"{\1}", rule.rule)


def _path_parameters(rule: Rule, meta: dict[str, Any]) -> list[dict[str, Any]]:
    values: dict[str, Callable[[], Iterable[str]] | Iterable[str]] = meta.get("path_values") or {}
    params = []
    for name in sorted(rule.arguments, key=rule.rule.index):
        converter = rule._converters[name]
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(converter, UUIDConverter):
            schema["format"] = "uuid"
        elif isinstance(converter, AnyConverter):
            schema["enum"] = sorted(converter.items)
        elif name in values:
            given = values[name]
            schema["enum"] = list(given() if callable(given) else given)
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _answer(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "headers": dict(REQUEST_ID),
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def _operation(
    meta: dict[str, Any], params: list[dict[str, Any]], *, signed_in: bool
) -> dict[str, Any]:
    if_match = meta.get("if_match")
    statuses = {400}
    if signed_in:
        statuses |= {401, 403, 404, 503}
    if meta["body"] is not None:
        statuses |= {413, 415}
    if if_match in (IF_MATCH_REQUIRED, IF_MATCH_OPTIONAL):
        statuses |= {412, 428}
    statuses |= set(meta.get("errors", ()))
    success: dict[str, Any] = {"description": "Success", "headers": dict(REQUEST_ID)}
    media = meta.get("media_type", "application/json")
    if meta["response"] is not None:
        success["content"] = {media: {"schema": meta["response"]}}
    elif meta.get("also_media_types") or media != "application/json":
        plain = {"type": "object"} if media == "application/json" else {"type": "string"}
        success["content"] = {media: {"schema": plain}}
    for other in meta.get("also_media_types", ()):
        success["content"][other] = {"schema": {"type": "string"}}
    if meta.get("versioned") or if_match is not None:
        success["headers"].update(ETAG)
    operation: dict[str, Any] = {
        "summary": meta["summary"],
        "parameters": list(params),
        "responses": {
            str(meta["status"]): success,
            **{str(s): _answer(s) for s in sorted(statuses)},
        },
    }
    if signed_in:
        operation["security"] = [{"bearer": []}]
    if if_match is not None:
        operation["parameters"].append(
            {
                "name": "If-Match",
                "in": "header",
                "required": if_match == IF_MATCH_REQUIRED,
                "description": IF_MATCH_DESCRIPTION,
                "schema": {"type": "string"},
            }
        )
    if meta["body"] is not None:
        operation["requestBody"] = {
            "required": meta.get("body_required", True),
            "content": {"application/json": {"schema": meta["body"]}},
        }
    if meta["query"] is not None:
        operation["parameters"].append({"in": "query", "schema": meta["query"]})
    return operation


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    # Built once a day: date ranges such as "not in the future" are published as of today.
    today = clock.today()
    cached = current_app.extensions.get("careplan.openapi")
    if cached is None or cached[0] != today:
        cached = current_app.extensions["careplan.openapi"] = (today, build_spec(current_app))
    return jsonify(cached[1])
