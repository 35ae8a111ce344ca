"""The plan's sections as readable lines (careplan.web.display.lines) say what the section's
form (careplan.web.section_forms.build) holds filled in, answer by answer, with the same
labels and places: the plan page, the PDF, differences between versions and the subject
access copy all read a section this way. `lines` reads the schema and the content
directly (the plan page shows every section on every view); this walks the form itself."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bench.content import templates
from careplan.plans.catalogue import load_catalogue
from careplan.web.display import Line, lines, path_words, shown
from careplan.web.section_forms import Node, build

CATALOGUE = load_catalogue()
KEYS = CATALOGUE.keys()


def _from_the_form(node: Node, trail: list[str], out: list[Line]) -> None:
    """The filled-in inputs of a built form, each with the labels of the groups it is in."""
    if node.kind in ("group", "rows", "texts"):
        label = [node.label] if node.kind == "group" else []
        for child in node.children:
            _from_the_form(child, trail + label, out)
        return
    if node.kind == "hidden":
        return
    text = shown(node)
    if text:
        out.append(Line(path_words([*trail, node.label]), text, path_words(trail), node.label))


def _form_lines(schema: Any, content: dict[str, Any] | None) -> list[Line]:
    out: list[Line] = []
    for node in build(schema, content):
        _from_the_form(node, [], out)
    return out


PLANS = templates(CATALOGUE)


@pytest.mark.parametrize("key", KEYS)
def test_every_sections_lines_are_what_its_form_holds(key):
    schema = CATALOGUE.get(key).schema
    seen = 0
    for plan in PLANS:
        content = plan.get(key)
        assert lines(schema, content) == _form_lines(schema, content)
        seen += len(lines(schema, content))
    assert seen > 0  # the content used has answers in this section


def test_odd_content_reads_the_same_both_ways():
    """Content as stored by older versions or typed in part: lists that are not lists, rows
    that are not objects, empty answers, yes/no and times as text, ids left out."""
    for key in KEYS:
        schema = CATALOGUE.get(key).schema
        for plan in PLANS:
            content = copy.deepcopy(plan.get(key) or {})
            for name, value in list(content.items()):
                if isinstance(value, list):
                    content[name] = [*value, "loose text", None, {}]
                elif isinstance(value, dict):
                    content[name] = {k: None for k in value}
                elif isinstance(value, bool):
                    content[name] = str(value).upper()
            assert lines(schema, content) == _form_lines(schema, content), key
        assert lines(schema, None) == _form_lines(schema, None) == []
