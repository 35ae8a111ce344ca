"""Section forms read as a person would say them (issue 17): no internal "Id" box, row
buttons with written labels, adding or removing a row comes back at that list, yes or no
as radios, and no ">" in labels. The forms are built from the schemas, so one generator
fixes every section: each is checked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.access import catalogue
from tests.web.support import Browser, staff, text


@pytest.fixture(scope="module")
def sarah(demo_app):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


def test_every_section_form_reads_as_words(demo_app, sarah, morag):
    with demo_app.app_context():
        keys = [kind.key for kind in catalogue()]
    for key in keys:
        page = text(morag.get(f"/people/{sarah}/sections/{key}/edit"))
        labels = re.findall(r"<(?:label|legend)[^>]*>(.*?)</(?:label|legend)>", page, re.S)
        assert not any("&gt;" in label or ">" in re.sub(r"<[^>]+>", "", label) for label in labels)
        assert not re.search(r">\s*Id\s*<", page), key
        buttons = re.findall(r'name="(add|remove)"[^>]*>([^<]+)<', page)
        for kind, words in buttons:
            words = words.strip()
            if kind == "add":
                assert re.fullmatch(r"Add (a|an|another) [a-z ]+", words), (key, words)
                assert not re.search(r"Add an? [aeiou]", words.replace("Add an ", "")), words
            else:
                assert re.fullmatch(r"Remove this [a-z ]+", words), (key, words)
        # Yes or no questions are radios, never a drop-down.
        for select_block in re.findall(r"<select.*?</select>", page, re.S):
            assert 'value="true"' not in select_block, key


def test_the_goals_form_keeps_each_goals_id_without_a_box(demo_app, sarah, morag):
    page = text(morag.get(f"/people/{sarah}/sections/goals/edit"))
    assert 'type="hidden" name="c.goals.0.id"' in page or 'name="c.goals.0.id"' not in page
    assert not re.search(r'<input class="ds_input[^>]*name="c\.goals\.\d+\.id"', page)
    assert "Add another goal" in page
    assert "Remove this goal" in page
    assert "Add another action" in page


def test_adding_a_row_comes_back_at_that_row(demo_app, sarah, morag):
    page = text(morag.get(f"/people/{sarah}/sections/housing/edit"))
    add = re.search(r'<button[^>]*name="add" value="offers"[^>]*>', page).group(0)
    count = len(re.findall(r'id="f-offers-\d+-row"', page))
    assert f'formaction="#f-offers-{count}-row"' in add
    typed = {**_typed(page), "add": "offers"}
    added = morag.post(f"/people/{sarah}/sections/housing/edit", typed)
    assert added.status_code == 200
    assert f'id="f-offers-{count}-row"' in text(added)  # the place the page comes back to


def _typed(page: str) -> dict[str, str]:
    """What the form holds as the browser would send it: inputs, checked radios, chosen
    options, text areas."""
    out = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or 'type="submit"' in tag:
            continue
        if 'type="radio"' in tag and " checked" not in tag:
            continue
        out[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        out[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        out[name] = body
    return out


def test_yes_or_no_is_radios_and_plan_lines_have_no_arrows(demo_app, sarah, morag):
    page = text(morag.get(f"/people/{sarah}/sections/housing/edit"))
    assert 'type="radio" id="f-current_accommodation-shared-true"' in page
    assert 'id="f-current_accommodation-shared-false"' in page
    plan = text(morag.get(f"/people/{sarah}"))
    assert "&gt;" not in plan[plan.index('id="section-about_me"') :]
    assert "Goal 1, action 1" in plan


def _leaf_fields(schema, path=""):
    """Every field a form asks about: (path, field), groups and lists walked into."""
    from marshmallow import fields

    for name, f in schema.fields.items():
        key = f.data_key or name
        if isinstance(f, fields.Nested):
            yield from _leaf_fields(f.schema, f"{path}{key}.")
        elif isinstance(f, fields.List):
            if isinstance(f.inner, fields.Nested):
                yield from _leaf_fields(f.inner.schema, f"{path}{key}.")
        elif key != "id":
            yield f"{path}{key}", f


def test_every_section_field_carries_its_question_beside_it(demo_app):
    """The wording lives with the schema (metadata `description`, which OpenAPI publishes,
    and `hint`), not in templates: every field a form asks about is a question."""
    with demo_app.app_context():
        kinds = list(catalogue())
    for kind in kinds:
        for path, f in _leaf_fields(kind.schema):
            asked = f.metadata.get("description", "")
            assert asked.endswith("?"), (kind.key, path)
            assert ">" not in asked, (kind.key, path)
            assert "_" not in asked, (kind.key, path)


def test_section_forms_ask_questions_with_hints(demo_app, sarah, morag):
    with demo_app.app_context():
        keys = [kind.key for kind in catalogue()]
    for key in keys:
        page = text(morag.get(f"/people/{sarah}/sections/{key}/edit"))
        # Every input's label is a question: not a date's Day, Month, Year or Time box, nor
        # a line of a list ("Warning sign 2", under the list's heading and hint).
        for label in re.findall(
            r'<label class="ds_label" for="f-[^"]+[^0-9"]">(.*?)</label>', page
        ):
            if label in ("Day", "Month", "Year", "Time"):
                continue
            assert re.sub(r" \(needed\)$", "", label).endswith("?"), (key, label)
    housing = text(morag.get(f"/people/{sarah}/sections/housing/edit"))
    assert "What is their housing situation now?" in housing
    assert ">Housing status<" not in housing
    assert ">Type<" not in housing
    # Each row is named as its buttons name it: "Offer 1", not "Offers of housing 1".
    assert ">Offer 1<" in housing
    assert "Offers of housing 1" not in housing
    # Yes or no questions are radios under a question, with a hint where it helps.
    safety = text(morag.get(f"/people/{sarah}/sections/safety/edit"))
    assert "Should staff never visit them alone?" in safety
    hint = re.search(r'id="(f-risk_assessment-do_not_visit_alone)-hint"', safety)
    assert hint is not None
    assert f'aria-describedby="{hint.group(1)}-hint' in safety


def test_the_api_describes_each_section_field_with_the_forms_question(demo_app):
    """OpenAPI publishes each section's content schema (`Section<Name>`), every field
    described by the question its form asks: one wording for the page and the API."""
    doc = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    published = doc["components"]["schemas"]
    current = published["SectionCurrentAccommodation"]["properties"]["type"]
    assert current["description"] == "What is their housing situation now?"
    with demo_app.app_context():
        kinds = list(catalogue())
    for kind in kinds:
        name = "Section" + type(kind.schema).__name__.removesuffix("Schema")
        assert name in published, kind.key
    offers = published["SectionHousing"]["properties"]["offers"]["items"]["$ref"]
    assert offers == "#/components/schemas/SectionOffer"
    outcome = published["SectionOffer"]["properties"]["outcome"]
    assert outcome["description"] == "What happened with the offer?"
