"""The plan page's sections, their lines and the care team's contact details are made in
Python (careplan.web.fragments), not in Jinja macros: they must write exactly what the
templates wrote. The old templates are kept here verbatim (the `section_lines` macro of
templates/macros/fields.html, the `reach` macro and the sections loop of
templates/plans/plan.html as they were before) and rendered with autoescape as the app
renders pages; the new code's output must be the same bytes, for every section kind with
the content the benchmark's plans hold, empty sections, content written to break out of
the HTML (a `<script>`, quotes, ampersands), and every state a section is shown in: seen
only because of an emergency (refused), its basis said once or its own, written by the
person, with or without the links to add an update and to change it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from jinja2 import Environment
from markupsafe import Markup

from bench.content import templates
from careplan.plans.catalogue import load_catalogue
from careplan.web import fragments
from careplan.web.display import Line, grouped, lines
from careplan.web.words import basis_words

CATALOGUE = load_catalogue()
PLANS = templates(CATALOGUE)
HOSTILE = '<script>alert("x")</script> O\'Neil & "Sons" <b>'

OLD_SECTION_LINES = """{% macro section_lines(lines) %}
{% if lines %}
{% for group, group_lines in lines | grouped %}
{% if group %}<h3 class="careplan-group">{{ group }}</h3>{% endif %}
<dl class="ds_summary-list">
  {% for line in group_lines %}
  <div class="ds_summary-list__item">
    <dt class="ds_summary-list__key">{{ line.name or line.label }}</dt>
    <dd class="ds_summary-list__value">{{ line.value }}</dd>
  </div>
  {% endfor %}
</dl>
{% endfor %}
{% else %}
<p class="careplan-muted">Nothing written here yet.</p>
{% endif %}
{% endmacro %}"""

OLD_REACH = """{% macro reach(phone, email, pattern, name) %}
{% if phone %}<a href="tel:{{ phone | replace(' ', '') }}">{{ phone }}</a>{% else %}No work phone recorded{% endif %}<br>
<a href="mailto:{{ email }}">{{ email }}</a>{% if pattern %}<br>Works: {{ pattern }}{% endif %}
{% endmacro %}"""  # noqa: E501

OLD_SECTIONS_LOOP = """{% for section in sections %}
<section class="careplan-section" aria-labelledby="section-{{ section.key }}">
  <h2 id="section-{{ section.key }}">{{ section.title }}</h2>
  {% if section.key in summary.refused %}<p><strong class="ds_tag ds_tag--orange">Seen because of the emergency</strong> {{ person.display_name }} chose not to share this with your organisation. You can see it only because of the emergency access.</p>{% endif %}
  {% if not summary.basis %}<p class="careplan-muted">Why you can see this: {{ section.basis | basis }}</p>{% endif %}
  {% if section.by_person %}<p><strong class="ds_tag">In their own words</strong> {{ person.display_name }} wrote this themselves.</p>{% endif %}
  {{ section_lines(section.lines) }}
  <ul class="careplan-actions ds_no-bullets">
    <li><a href="{{ section.links.section }}">Updates<span class="visually-hidden"> to {{ section.title | lower }}</span></a></li>
    {% if section.can_add %}<li><a href="{{ section.links.add_update }}">Add an update<span class="visually-hidden"> to {{ section.title | lower }}</span></a></li>{% endif %}
    {% if section.can_change %}<li><a href="{{ section.links.edit }}">Change<span class="visually-hidden"> {{ section.title | lower }}</span></a></li>{% endif %}
    <li><a href="{{ section.links.history }}">Earlier versions<span class="visually-hidden"> of {{ section.title | lower }}</span></a></li>
  </ul>
</section>
{% endfor %}"""  # noqa: E501

ENV = Environment(autoescape=True)  # as Flask renders .html pages and from_string
ENV.filters["grouped"] = grouped
ENV.filters["basis"] = basis_words
OLD_LINES = ENV.from_string(OLD_SECTION_LINES + "{{ section_lines(lines) }}")
OLD_CONTACT = ENV.from_string(OLD_REACH + "{{ reach(phone, email, pattern, 'name') }}")
OLD_SECTIONS = ENV.from_string(OLD_SECTION_LINES + OLD_SECTIONS_LOOP)


class _Person:
    def __init__(self, name: str) -> None:
        self.display_name = name


def _hostile(value: Any) -> Any:
    """Content with every text answer made to break out of HTML."""
    if isinstance(value, dict):
        return {k: _hostile(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hostile(v) for v in value]
    if isinstance(value, str):
        return f"{value} {HOSTILE}"
    return value


def _contents(key: str) -> list[Any]:
    """Every benchmark plan's content for section `key`, hostile copies of them, and
    nothing written."""
    found = [plan.get(key) for plan in PLANS if plan.get(key)]
    return [*found, *(_hostile(c) for c in found), None, {}]


@pytest.mark.parametrize("key", CATALOGUE.keys())
def test_section_lines_are_the_old_macros_bytes(key):
    schema = CATALOGUE.get(key).schema
    shown = 0
    for content in _contents(key):
        found = lines(schema, content)
        new = fragments.section_lines(found)
        assert isinstance(new, Markup)
        assert new == OLD_LINES.render(lines=found)
        shown += len(found)
    assert shown > 0


def test_lines_written_to_break_out_are_escaped():
    found = [Line(f"{HOSTILE}, a", HOSTILE, HOSTILE, "A"), Line("b", HOSTILE)]
    html = fragments.section_lines(found)
    assert html == OLD_LINES.render(lines=found)
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Neil &amp; &#34;Sons&#34;" in html


PHONES = (None, "", "0131 496 0000", f"0131 {HOSTILE}")
EMAILS = ("a.worker@example.org", "", HOSTILE)
PATTERNS = (None, "", "Monday to Thursday", HOSTILE)


CONTACTS = list(itertools.product(PHONES, EMAILS, PATTERNS))


@pytest.mark.parametrize(("phone", "email", "pattern"), CONTACTS)
def test_contact_is_the_old_macros_bytes(phone, email, pattern):
    new = fragments.contact(phone, email, pattern)
    assert isinstance(new, Markup)
    assert new == OLD_CONTACT.render(phone=phone, email=email, pattern=pattern)
    assert "<script>" not in new


BASES = ("key_worker", "lead_agency", "consent:1f0c", "breakglass:9a1b", "supporter:3", None, "")
NAMES = ("Sarah Jones", f"Sarah {HOSTILE}")


def _section(key: str, content: Any, flags: tuple[bool, bool, bool], basis: Any) -> dict:
    by_person, can_add, can_change = flags
    title = CATALOGUE.get(key).title
    links = {
        name: f"/people/4f1c/sections/{key}/{name}?a=1&b='2'"
        for name in ("section", "add_update", "edit", "history")
    }
    section = {
        "key": key,
        "title": title,
        "lines": lines(CATALOGUE.get(key).schema, content),
        "basis": basis,
        "can_add": can_add,
        "can_change": can_change,
        "links": links,
    }
    if by_person is not None:
        section["by_person"] = by_person
    return section


FLAGS = list(itertools.product((True, False, None), (True, False), (True, False)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("said_once", [None, "", "You are their key worker."])
def test_plan_sections_are_the_old_loops_bytes(name, said_once):
    """Every section kind, in every state, with the benchmark's content and hostile copies
    of it, some refused (seen because of an emergency) and some not."""
    keys = list(CATALOGUE.keys())
    states = itertools.cycle(itertools.product(FLAGS, BASES))
    for round_ in range(3):
        sections = []
        for key in keys:
            for content in _contents(key)[round_::3]:
                flags, basis = next(states)
                sections.append(_section(key, content, flags, basis))
        refused = keys[round_::2]
        summary = {"refused": refused, "basis": said_once}
        person = _Person(name)
        new = fragments.plan_sections(sections, summary, name)
        assert isinstance(new, Markup)
        old = OLD_SECTIONS.render(sections=sections, summary=summary, person=person)
        assert new == old
    assert "Seen because of the emergency" in new
    assert "In their own words" in new
    assert ("Why you can see this" in new) is (not said_once)
    assert "<script>" not in new
    assert "<b>" not in new


def test_no_sections_and_a_hostile_title():
    summary = {"refused": [], "basis": None}
    assert (
        fragments.plan_sections([], summary, "A")
        == ""
        == OLD_SECTIONS.render(sections=[], summary=summary, person=_Person("A"))
    )
    section = _section("goals", None, (True, True, True), "key_worker")
    section["title"] = f"Goals {HOSTILE}"
    summary = {"refused": ["goals"], "basis": None}
    new = fragments.plan_sections([section], summary, HOSTILE)
    assert new == OLD_SECTIONS.render(sections=[section], summary=summary, person=_Person(HOSTILE))
    assert "<script>" not in new
