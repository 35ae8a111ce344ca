"""Every 405, from the API and from the pages, says which methods the URL takes in an
`Allow` header (RFC 9110 section 15.5.6), whoever asks and whatever they send (issue 16,
fault 15): walk the URL map and try every method each URL does not take."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from werkzeug.routing import AnyConverter, PathConverter, UUIDConverter

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _url(rule: Any) -> str:
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, UUIDConverter):
            values[name] = uuid.uuid4()
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, PathConverter):
            values[name] = "careplan.js"
        else:
            values[name] = "housing"
    return rule.build(values, append_unknown=False)[1]


def _cases(app: Any) -> list[tuple[str, str, set[str]]]:
    """(method, url, the methods that URL takes) for every method a URL does not take."""
    adapter = app.url_map.bind("localhost")
    cases = []
    seen = set()
    for rule in app.url_map.iter_rules():
        url = _url(rule)
        if url in seen:
            continue
        seen.add(url)
        allowed = set(adapter.allowed_methods(url))
        cases.extend((method, url, allowed) for method in METHODS if method not in allowed)
    return cases


def _allow(response: Any) -> set[str]:
    return {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_405_carries_allow(app, world, api, signed_in):
    from tests.identity.pages import sign_in, with_password

    user = with_password(world.staff(world.agency()))
    client = app.test_client()
    headers: dict[str, str] = {}
    if signed_in:
        sign_in(client, user.email)
        headers = api.headers(user)
    cases = _cases(app)
    assert len(cases) > 150
    for method, url, allowed in cases:
        # A body of each kind a client might send: the answer does not depend on it.
        for body in ({}, {"json": {"x": 1}}, {"data": {"csrf_token": "nonsense"}}):
            response = client.open(url, method=method, headers=headers, **body)
            assert response.status_code == 405, (method, url, response.status_code)
            assert _allow(response) == allowed, (method, url, response.headers.get("Allow"))
            assert "GET" not in allowed or "HEAD" in _allow(response)
            if url.startswith("/api/"):
                assert response.json["error"] == "method_not_allowed"
            else:
                assert response.mimetype == "text/html"


def test_a_405_raised_by_a_handler_carries_allow_too(app):
    from werkzeug.exceptions import MethodNotAllowed

    from careplan.access.pipeline import public

    @app.route("/api/v1/test-405", methods=["GET", "POST"])
    @public
    def api_refuses() -> str:
        raise MethodNotAllowed()

    @app.route("/test-405", methods=["GET"])
    @public
    def page_refuses() -> str:
        raise MethodNotAllowed(valid_methods=["POST"])

    client = app.test_client()
    answer = client.get("/api/v1/test-405")
    assert answer.status_code == 405
    assert _allow(answer) == {"GET", "HEAD", "OPTIONS", "POST"}
    page = client.get("/test-405")
    assert page.status_code == 405
    assert _allow(page) == {"POST"}
    assert page.mimetype == "text/html"
