"""Times of day and day boundaries are judged on the wall clock in Scotland (Europe/London,
careplan.core.clock), never in UTC (issue 17): at a BST instant and at a GMT instant."""

from __future__ import annotations

from datetime import datetime

import pytest

from careplan.core import clock
from careplan.identity.throttle import Hold, message
from careplan.subject_access import readable
from careplan.web.pages import _moment, day_words

SUMMER_LATE = datetime(2026, 7, 14, 23, 30)  # 00:30 BST on 15 July
WINTER_LATE = datetime(2026, 1, 14, 23, 30)  # 23:30 GMT on 14 January


@pytest.mark.parametrize(
    ("instant", "day", "moment"),
    [
        (SUMMER_LATE, "15 July 2026", "15 July 2026 at 00:30"),
        (WINTER_LATE, "14 January 2026", "14 January 2026 at 23:30"),
        ("2026-07-14T23:30:00Z", "15 July 2026", "15 July 2026 at 00:30"),
        ("2026-01-14T23:30:00+00:00", "14 January 2026", "14 January 2026 at 23:30"),
    ],
)
def test_pages_and_copies_show_the_day_and_time_in_scotland(instant, day, moment):
    assert day_words(instant) == day
    assert _moment(instant) == moment
    assert readable.day(instant) == day
    assert readable.moment(instant) == moment


def test_a_date_stays_the_date_it_is():
    assert day_words("2026-07-14") == "14 July 2026"
    assert readable.day("2026-07-14") == "14 July 2026"


@pytest.mark.parametrize(
    ("until", "shown"),
    [(datetime(2026, 7, 15, 7, 30), "08:30"), (datetime(2026, 1, 15, 7, 30), "07:30")],
)
def test_a_locked_sign_in_says_when_in_uk_time(until, shown):
    for reason in ("locked", "slowed"):
        said = message(Hold(reason, until))
        assert shown in said
        assert "UTC" not in said


def test_today_is_scotlands_day(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: SUMMER_LATE)
    assert clock.today().isoformat() == "2026-07-15"
    monkeypatch.setattr(clock, "now", lambda: WINTER_LATE)
    assert clock.today().isoformat() == "2026-01-14"
