"""The OpenAPI 3 document, generated from the routes and the same marshmallow schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, current_app, jsonify

from careplan.access.pipeline import declared, public
from careplan.core.api_blueprint import bp

_CONVERTER = re.compile(r"<(?:[^:>]+:)?([a-z_]+)>")
ERROR = {
    "description": "Error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "error": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object"},
                },
            }
        }
    },
}


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="Shared coordinated care plan service",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "__openapi__", None)
        if meta is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _CONVERTER.findall(rule.rule)
        ]
        access = declared(view)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = _operation(meta, params)
            permission = access.permission_for(method) if access else None
            if permission is not None:
                # The permission the access policy decides before the handler runs.
                operation["x-permission"] = permission.value
            else:
                operation.pop("security")
            spec.path(path=path, operations={method.lower(): operation})
    return spec.to_dict()


def _operation(meta: dict[str, Any], params: list[dict[str, Any]]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": meta["summary"],
        "security": [{"bearer": []}],
        "parameters": list(params),
        "responses": {
            str(meta["status"]): {"description": "Success"},
            "400": ERROR,
            "401": ERROR,
            "403": ERROR,
            "404": ERROR,
        },
    }
    if meta["response"] is not None:
        operation["responses"][str(meta["status"])]["content"] = {
            "application/json": {"schema": meta["response"]}
        }
    if meta["body"] is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": meta["body"]}},
        }
    if meta["query"] is not None:
        operation["parameters"].append({"in": "query", "schema": meta["query"]})
    return operation


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    if "careplan.openapi" not in current_app.extensions:
        current_app.extensions["careplan.openapi"] = build_spec(current_app)
    return jsonify(current_app.extensions["careplan.openapi"])
