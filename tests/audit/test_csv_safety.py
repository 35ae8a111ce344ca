"""The IG officer's CSV (issue 16, fault 13): no cell a spreadsheet would run, whatever
anyone typed into a name, a label or a header; no control characters; lists as text, not
Python's text for them; names and labels trimmed when they come in. The service writes
one kind of CSV (the audit export, from the API and from the page), and both go through
careplan.core.spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.core import spreadsheet
from careplan.extensions import db
from tests.api.scene import build_scene
from tests.identity.pages import signed_in_browser

TRIGGERS = "=+-@\t\r"
# What testers try: OWASP's list, the same behind spaces and quotes, full-width and small
# forms, other dashes and minus signs, and invisible characters in front.
HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
    "   +1",
    "\u00a0=1+1",  # no-break space
    "\u3000=1+1",  # ideographic space
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # byte order mark
    "\u202e=1+1",  # right-to-left override
    "'=1+1",
    '"=1+1',
    "\u201c=1+1",
    " ' \" =1+1",
    "\uff1d1+1",  # full-width equals
    "\uff0b1+1",  # full-width plus
    "\uff0d1+1",  # full-width hyphen-minus
    "\uff201+1",  # full-width commercial at
    "\ufe661+1",  # small equals
    "\ufe62 1",  # small plus
    "\u22121+1",  # minus sign
    "\u20131+1",  # en dash
    "\x00=1+1",
    "\x1b=1",
    "\x85=1+1",  # next line (C1)
]
SAFE_TEXT = ["Morag Campbell", "NHS Lothian Addiction Recovery Team", "2026-07-11T00:30:00", ""]


def _first_readable(text: str) -> str:
    for char in text:
        if char.isspace() or char in "'\"\u2018\u2019\u201c\u201d\uff02\uff07`":
            continue
        return char
    return ""


def _runs(text: str) -> bool:
    """Whether a spreadsheet could take this cell as a formula."""
    if text.startswith("'"):
        return False
    first = _first_readable(text)
    folded = unicodedata.normalize("NFKC", first)[:1] if first else ""
    return bool(first) and (
        first in TRIGGERS
        or folded in TRIGGERS
        or unicodedata.category(first) == "Pd"
        or first == "\u2212"
    )


def _invisible(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")]


@pytest.mark.parametrize("value", HOSTILE)
def test_every_trigger_is_neutralised(value):
    cell = spreadsheet.cell(value)
    assert cell.startswith("'"), repr(value)
    assert not _runs(cell)
    assert _invisible(cell) == [], repr(cell)


@pytest.mark.parametrize(
    "value", ["Firefox\x1b[31m red", "line one\nline two", "a\u2028b", "nul\x00here", "\x7f"]
)
def test_control_characters_are_stripped(value):
    cell = spreadsheet.cell(value)
    assert _invisible(cell) == []
    assert not cell.startswith("'")


@pytest.mark.parametrize("value", SAFE_TEXT)
def test_ordinary_text_is_left_as_it_is(value):
    assert spreadsheet.cell(value) == value


@given(st.text(max_size=40))
def test_no_text_makes_a_cell_that_runs_or_hides(value):
    cell = spreadsheet.cell(value)
    assert not _runs(cell)
    assert _invisible(cell) == []


# A loaded machine (CI runs two workers on two cores) can make one draw slow; the
# property, not the speed of drawing, is what this checks.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=10), max_size=5))
def test_no_list_makes_a_cell_that_runs(values):
    cell = spreadsheet.cell(values)
    assert not _runs(cell)
    assert cell == spreadsheet.cell("; ".join(values))  # its items, as text


def test_lists_and_mappings_are_written_as_text():
    assert spreadsheet.cell(["about_me", "goals"]) == "about_me; goals"
    assert spreadsheet.cell([]) == ""
    assert spreadsheet.cell(None) == ""
    assert spreadsheet.cell({"plan": "key_worker"}) == '{"plan": "key_worker"}'
    assert spreadsheet.cell(["=1+1", "x"]) == "'=1+1; x"
    assert json.loads(spreadsheet.cell({"label": "=cmd", "n": 2})) == {"label": "=cmd", "n": 2}
    assert spreadsheet.cell(True) == "true"
    assert spreadsheet.cell(date(2026, 7, 10)) == "2026-07-10"


def test_every_cell_is_quoted():
    buffer = io.StringIO()
    spreadsheet.writer(buffer).writerow(spreadsheet.row(["a", 1, "=b", 'say "hi"']))
    assert buffer.getvalue() == '"a","1","\'=b","say ""hi"""\r\n'


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Simon Community Scotland  ", "Simon Community Scotland"),
        ("\u00a0\u200bLeith Recovery Hub\t", "Leith Recovery Hub"),
        (' =HYPERLINK("http://x") ', '=HYPERLINK("http://x")'),
    ],
)
def test_names_are_trimmed_when_they_come_in(api, world, typed, kept):
    scene = build_scene(world)
    made = api.post(
        scene.admin, "/agencies", {"name": typed, "sector": "third_sector", "kind": "charity"}
    )
    assert made.status_code == 201
    assert made.get_json()["name"] == kept
    staff = api.post(
        scene.admin,
        "/staff",
        {
            "email": "new.worker@example.test",
            "name": typed,
            "agency_id": made.get_json()["id"],
            "roles": ["practitioner"],
        },
    )
    assert staff.status_code == 201
    assert staff.get_json()["name"] == kept


@pytest.mark.parametrize("typed", ["   ", "\u200b\u200b", "A\u202eB", "Bad\x00Name", "Tab\tName"])
def test_names_that_are_blank_or_hide_text_are_refused(api, world, typed):
    scene = build_scene(world)
    made = api.post(
        scene.admin, "/agencies", {"name": typed, "sector": "third_sector", "kind": "charity"}
    )
    assert made.status_code == 400
    assert "name" in made.get_json()["fields"]


def _hostile_activity(api, world, scene):
    """Records whose names, agency, user agent and details hold formulas."""
    agency = api.post(
        scene.admin,
        "/agencies",
        {"name": " @SUM(1+1)*cmd|' /C calc'!A0", "sector": "statutory", "kind": "nhs"},
    ).get_json()
    staff = api.post(
        scene.admin,
        "/staff",
        {
            "email": "formula@example.test",
            "name": '\uff1dHYPERLINK("http://evil.example")',
            "agency_id": agency["id"],
            "roles": ["practitioner"],
        },
    ).get_json()
    from careplan.accounts.models import User

    worker = db.session.get(User, uuid.UUID(staff["id"]))
    for agent in ("=cmd|' /C calc'!A0", "\t+1+1", " -1+1", "\uff20SUM(1)"):
        api.get(worker, "/me", headers={"User-Agent": agent})
        api.get(scene.key_worker, f"/people/{scene.person.id}/plan", headers={"User-Agent": agent})


def _check_csv(text: str) -> list[list[str]]:
    for line in text.splitlines():
        assert line.startswith('"'), line  # every cell quoted
        assert line.endswith('"'), line
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[0] == "seq"
    for row in rows[1:]:
        for value in row:
            assert not _runs(value), value
            assert _invisible(value) == [], repr(value)
            assert not value.startswith("['"), value  # not Python's text for a list
            assert not value.startswith("{'"), value
        sections = row[header.index("sections")]
        assert "[" not in sections
    return rows


def test_the_api_export_has_no_cell_that_runs(api, world):
    scene = build_scene(world)
    _hostile_activity(api, world, scene)
    response = api.get(scene.ig, "/audit/events.csv")
    assert response.status_code == 200
    rows = _check_csv(response.get_data(as_text=True))
    header = rows[0]
    names = {row[header.index("actor_agency_name")] for row in rows[1:]}
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in names  # trimmed, then neutralised
    agents = {row[header.index("user_agent")] for row in rows[1:]}
    assert {"'=cmd|' /C calc'!A0", "' +1+1", "' -1+1", "'\uff20SUM(1)"} <= agents
    viewed = [r for r in rows[1:] if r[header.index("action")] == "plan.view"]
    assert any("; " in r[header.index("sections")] for r in viewed)  # a list, as text


def test_the_page_export_has_no_cell_that_runs(app, api, world):
    scene = build_scene(world)
    _hostile_activity(api, world, scene)
    response = signed_in_browser(app, scene.ig).get("/ig/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    _check_csv(response.get_data(as_text=True))
