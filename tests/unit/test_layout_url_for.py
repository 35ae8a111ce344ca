"""Templates' `url_for` builds each address's shape once (careplan.web.pages): every
address it gives is the one Flask builds, for every page that takes no values or one
UUID, for static files, under the site's root or a prefix, on the first call and after."""

from __future__ import annotations

import uuid

from werkzeug.routing import UUIDConverter


def _rules(app):
    """(endpoint, the name of its one UUID value or None) for every GET rule that takes
    no values or one UUID."""
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        names = list(rule.arguments - set(rule.defaults or {}))
        if not names:
            out.append((rule.endpoint, None))
        elif len(names) == 1 and isinstance(rule._converters[names[0]], UUIDConverter):
            out.append((rule.endpoint, names[0]))
    return out


def test_every_address_is_the_one_flask_builds(shared_app):
    cached = shared_app.jinja_env.globals["url_for"]
    rules = _rules(shared_app)
    assert len([r for r in rules if r[1] is None]) > 20
    assert len([r for r in rules if r[1] is not None]) > 40
    for root in ("", "/care"):
        with shared_app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for _ in range(2):  # built, then from its shape
                for endpoint, name in rules:
                    values = {} if name is None else {name: uuid.uuid4()}
                    assert cached(endpoint, **values) == shared_app.url_for(endpoint, **values)
                for filename in ("careplan.css", "vendor/sgds/css/design-system.min.css"):
                    assert cached("static", filename=filename) == shared_app.url_for(
                        "static", filename=filename
                    )
            person = uuid.uuid4()
            assert cached("plans.plan", person_id=person).startswith(f"{root}/people/")
            assert cached("plans.plan", person_id=person).endswith(str(person))
            # Values it does not keep a shape for are built by Flask.
            assert cached("plans.plan", person_id=str(person), done="saved") == (
                shared_app.url_for("plans.plan", person_id=str(person), done="saved")
            )


def test_the_plan_pages_section_links_are_the_ones_flask_builds(shared_app):
    """The plan page's links to each section's pages (careplan.plans.views
    `_section_links`): shapes built once, the same addresses as Flask's, under the site's
    root or a prefix, for different people."""
    from careplan.plans.catalogue import load_catalogue
    from careplan.plans.views import SECTION_PAGES, _section_links

    keys = list(load_catalogue().keys())
    for root in ("", "/care"):
        with shared_app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for _ in range(2):  # built, then from its shape
                person = uuid.uuid4()
                links = _section_links(person)
                assert set(links) == set(SECTION_PAGES)
                for name, shape in links.items():
                    for key in keys:
                        assert shape.format(key=key) == shared_app.url_for(
                            f"sections.{name}", person_id=person, key=key
                        )
