"""The IG officer's audit log page in plain language (issue 17, "IG officer"): each event
in words ("Looked at the person's plan"), the basis in words, times in UK local time, the
officer's own searches left out unless asked for; the person filter by CHI or name is in
tests/web/test_ig_find_person_page.py."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from audit import plain
from audit.actions import AuditAction
from audit.models import AuditEvent
from careplan.core import clock
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text

IG = "priya.shah@nhs.demo"


@pytest.fixture(scope="module")
def sarah_id(demo_app):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


@pytest.fixture(scope="module")
def ig(demo_app, sarah_id):
    Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo")).get(f"/people/{sarah_id}")
    return Browser(demo_app, staff(demo_app, IG))


def _rows(body: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>\d+</td>.*?</tr>", body, flags=re.S)


def test_every_audit_action_has_words_for_staff_and_none_says_you():
    for action in AuditAction:
        words = plain.staff_what(action.value)
        assert words != action.value, action
        assert words[0].isupper(), action
        assert not re.search(r"\byou(r|rs)?\b", words), (action, words)
        if action.value in plain.WHAT:
            assert not re.search(r"\byou(r|rs)?\b", plain.about(plain.WHAT[action.value], "Sarah"))


def test_the_log_speaks_plain_language(ig, sarah_id):
    rows = _rows(text(ig.get(f"/ig/audit?person={sarah_id}")))
    plan_view = next(r for r in rows if "Morag Campbell" in r and "plan.view" in r)
    assert "Looked at the person\u2019s plan" in plan_view
    assert "they are the person\u2019s key worker" in plan_view
    assert "key_worker<" not in plan_view  # the stored basis is not what is shown


def test_the_officers_own_searches_are_left_out_unless_asked_for(demo_app, ig):
    ig.get("/ig/audit")
    ig.get("/ig/audit")
    me = staff(demo_app, IG)
    default = text(ig.get("/ig/audit"))
    assert "Your own searches of the log are left out" in default
    assert not [r for r in _rows(default) if "Searched the audit log" in r and me.name in r]
    shown = text(ig.get("/ig/audit?own_searches=1"))
    assert len([r for r in _rows(shown) if "Searched the audit log" in r and me.name in r]) >= 2
    # Another officer's searches are never hidden from this one.
    with demo_app.app_context():
        last = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "audit.search")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert last.details["filters"].get("own_searches") is None  # shown: nothing left out


def test_times_are_uk_local_time_in_summer(demo_app, ig, sarah_id, monkeypatch):
    summer = datetime(2026, 7, 10, 13, 5)  # 14:05 BST
    monkeypatch.setattr(clock, "now", lambda: summer)
    Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo")).get(f"/people/{sarah_id}")
    monkeypatch.undo()
    rows = _rows(text(ig.get(f"/ig/audit?person={sarah_id}")))
    assert any("10 July 2026 at 14:05" in r for r in rows)
    assert not any("10 July 2026 at 13:05" in r for r in rows)
    assert "(UTC)" not in text(ig.get("/ig/audit"))


def test_the_date_fields_take_days_as_people_type_them(demo_app, ig, sarah_id, monkeypatch):
    """The design system's date picker, never the browser's (mm/dd/yyyy): "12/07/2026" and
    "12 July 2026" are whole days in Scotland, so 00:30 BST on 12 July (23:30 UTC on the
    11th) is on the 12th; nonsense is named, with what to type, and nothing is searched."""
    late = datetime(2026, 7, 11, 23, 30)  # 00:30 BST on 12 July
    monkeypatch.setattr(clock, "now", lambda: late)
    Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo")).get(f"/people/{sarah_id}")
    monkeypatch.undo()
    page = ig.get("/ig/audit")
    assert 'type="datetime-local"' not in text(page)
    assert 'type="date"' not in text(page)
    assert 'data-module="ds-datepicker"' in text(page)
    for first, last in (("12/07/2026", "12 July 2026"), ("12-7-26", "12/07/2026")):
        found = ig.get(f"/ig/audit?person={sarah_id}&from={first}&to={last}")
        assert found.status_code == 200
        rows = _rows(text(found))
        assert rows
        assert all("12 July 2026 at" in r for r in rows)
        assert any("12 July 2026 at 00:30" in r for r in rows)
    assert _rows(text(ig.get(f"/ig/audit?person={sarah_id}&from=11/07/2026&to=11/07/2026"))) == []
    wrong = ig.get("/ig/audit?from=yesterday&to=31/02/2026")
    assert wrong.status_code == 400
    body = text(wrong)
    assert "Enter the first day as a date, for example 12/04/2026 or 12 April 2026." in body
    assert "Enter the last day as a date" in body
    assert 'value="yesterday"' in body  # what they typed stays, to correct
    assert _rows(body) == []
    backwards = text(ig.get("/ig/audit?from=13/07/2026&to=12/07/2026"))
    assert "The last day must be the same as the first day or after it." in backwards


def test_the_unusual_access_report_takes_typed_days(ig):
    page = ig.get("/ig/reports?kind=out_of_hours&from=1 July 2026&to=31/07/2026")
    assert page.status_code == 200
    assert 'type="datetime-local"' not in text(page)
    assert "before 08:00 or from 18:00 UK time" in text(page)
    wrong = ig.get("/ig/reports?kind=out_of_hours&from=soon")
    assert wrong.status_code == 400
    assert "Enter the first day as a date" in text(wrong)
