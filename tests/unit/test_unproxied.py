"""careplan.core.unproxied: the objects behind Flask's proxies, the same ones the proxies
reach, and the same refusal outside the context the proxy needs."""

import flask
import pytest

from careplan.core import unproxied


def test_each_is_the_object_its_proxy_reaches() -> None:
    app = flask.Flask(__name__)
    with app.test_request_context("/somewhere?x=1"):
        flask.g.marker = "set through the proxy"
        assert unproxied.namespace() is flask.g._get_current_object()
        assert unproxied.namespace().marker == "set through the proxy"
        unproxied.namespace().other = "set directly"
        assert flask.g.other == "set directly"
        assert unproxied.request() is flask.request._get_current_object()
        assert unproxied.request().args["x"] == "1"
        assert unproxied.app() is app


def test_a_job_has_the_app_and_its_namespace_but_no_request() -> None:
    app = flask.Flask(__name__)
    with app.app_context():
        assert unproxied.app() is app
        unproxied.namespace().request_id = "job:1"
        assert flask.g.request_id == "job:1"
        with pytest.raises(RuntimeError):
            unproxied.request()


def test_outside_any_context_each_refuses_as_its_proxy_does() -> None:
    for read in (unproxied.namespace, unproxied.request, unproxied.app):
        with pytest.raises(RuntimeError):
            read()
