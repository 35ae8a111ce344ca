"""The README documents every setting, and the OpenAPI document covers every API route."""

import re
from pathlib import Path

from careplan.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


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
