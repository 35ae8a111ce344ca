"""Designed error pages for browsers: a reference to quote, never a stack trace."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import TooManyRequests

from careplan.access.pipeline import public


def _failing_routes(app):
    def broken():
        raise RuntimeError("secret detail that must not be shown")

    def busy():
        raise TooManyRequests()

    # Public, so that they run: an undeclared route is refused before its handler.
    app.add_url_rule("/test-broken", "test_broken", public(broken))
    app.add_url_rule("/test-busy", "test_busy", public(busy))


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/test-broken", 500, "Sorry, there is a problem with the service"),
        ("/test-busy", 429, "Too many attempts"),
        ("/no-such-page", 404, "Page not found"),
    ],
)
def test_error_pages_are_designed_and_say_nothing_internal(app, client, path, status, title):
    _failing_routes(app)
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f'<h1 class="ds_page-header__title">{title}</h1>' in body
    assert "Traceback" not in body
    assert "secret detail" not in body
    assert "Go to your home page" in body
    if status == 500:
        assert response.headers["X-Request-Id"] in body  # the reference to quote
