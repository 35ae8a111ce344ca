"""The README and the operator guide document every setting; the OpenAPI document covers
every API route."""

import re
from pathlib import Path

from careplan.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
OPERATING = (ROOT / "docs" / "operating.md").read_text()


def test_every_setting_is_documented():
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


def test_the_operator_guide_names_every_setting_and_every_gunicorn_variable():
    gunicorn = (ROOT / "config" / "gunicorn.conf.py").read_text()
    read_there = set(re.findall(r"environ(?:\.get)?\(\s*['\"]([A-Z_]+)['\"]", gunicorn))
    assert {"PORT", "WEB_CONCURRENCY", "CAREPLAN_PROXY_IPS"} <= read_there
    names = [s.env for s in SETTINGS] + sorted(read_there)
    missing = [name for name in names if f"`{name}`" not in OPERATING]
    assert missing == []
    assert "docs/operating.md" in README


def test_openapi_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
    body = spec["paths"]["/api/v1/people"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]


def test_start_page(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Shared coordinated care plan" in page.get_data(as_text=True)
