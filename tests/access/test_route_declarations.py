"""Walk the URL map: every route declares its permission, and one that does not is refused.

The declaration is what the pipeline decides before the handler runs
(`careplan.access.pipeline.requires`); the API and page walks in tests/api and tests/web
check that each person route then answers as the policy says.
"""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from careplan.access.permissions import Permission, ResourceType
from careplan.access.pipeline import OWN_PERSON, PUBLIC, declared, requires
from tests.api.scene import build_scene

# Open without signing in: signing in itself, the API's description, static files, and the
# start page (which shows the sign-in prompt, or each role's home decided inside).
PUBLIC_ENDPOINTS = {
    "static",
    "api.openapi",
    "home.start",
    "identity.sign_in",
    "identity.second_factor_code",
    "identity.enrol",
    "identity.invitation",
    "identity.sign_out",
    "identity.signed_out",
    # The timeout warning's "Stay signed in": shows nothing; 401 without a session.
    "identity.still_here",
    # What every public service publishes: nothing about anyone.
    "about.privacy",
    "about.accessibility",
    "about.contact",
    "oidc.start",
    "oidc.callback",
    "oidc.link",
    # For the load balancer and Prometheus: nothing about people (metrics need a token).
    "ops.healthz",
    "ops.readyz",
    "metrics.metrics",
}


def _routes(app):
    return sorted((rule.endpoint, rule) for rule in app.url_map.iter_rules())


def test_every_route_declares_a_permission(app):
    undeclared = [e for e, _ in _routes(app) if declared(app.view_functions[e]) is None]
    assert undeclared == []
    assert len(_routes(app)) >= 90


def test_only_sign_in_and_public_pages_are_public(app):
    public = {e for e, _ in _routes(app) if declared(app.view_functions[e]) is PUBLIC}
    assert public == PUBLIC_ENDPOINTS


def test_each_declaration_fits_its_url(app):
    """A person permission names a person (the URL's or the caller's own); a section
    permission names a section."""
    for endpoint, rule in _routes(app):
        access = declared(app.view_functions[endpoint])
        questions = [(access.permission, access.audit), *access.methods.values()]
        for permission, audit in questions:
            if permission is None:
                continue
            assert audit is not None, endpoint
            kind = permission.resource_type
            if kind in (ResourceType.PERSON, ResourceType.PLAN, ResourceType.SECTION):
                assert "person_id" in rule.arguments or access.person == OWN_PERSON, endpoint
            if kind is ResourceType.SECTION:
                assert "key" in rule.arguments, endpoint


@pytest.mark.parametrize("prefix", ["/api/v1/extra", "/extra"])
def test_a_route_that_declares_nothing_is_refused(app, api, world, prefix):
    scene = build_scene(world)
    app.add_url_rule(f"{prefix}/undeclared", "undeclared", lambda: "should never be sent")
    app.add_url_rule(
        f"{prefix}/declared",
        "declared",
        requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)(lambda: "sent"),
    )
    client = app.test_client()
    headers = api.headers(scene.key_worker)
    refused = client.get(f"{prefix}/undeclared", headers=headers)
    assert refused.status_code == 403
    assert b"should never be sent" not in refused.data
    # Declared, the same kind of route reaches the pipeline, which asks who is calling (an
    # app-level rule has neither the API's bearer sign-in nor a page session).
    assert client.get(f"{prefix}/declared", headers=headers).status_code == 401


def test_the_openapi_document_names_each_operations_permission(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = {
        (path, method): op
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    assert operations[("/api/v1/people/{person_id}/plan", "get")]["x-permission"] == "plan:view"
    assert (
        operations[("/api/v1/people/{person_id}/plan/sections/{key}", "put")]["x-permission"]
        == "plan:section:write"
    )
    for (path, method), op in operations.items():
        if path == "/api/v1/openapi.json":
            assert "x-permission" not in op
            assert "security" not in op
        else:
            assert Permission(op["x-permission"]), (path, method)
