"""When a subject access request is due: one calendar month (UK GDPR Art 12(3)), counted
as the ICO's guidance counts it, in Scottish working days (careplan.subject_access.deadlines)."""

from __future__ import annotations

from datetime import date

import pytest

from careplan.subject_access import deadlines

# received (or identity confirmed) -> due, and due when extended by two further months
DUE = [
    # The corresponding date next month.
    ("2026-09-03", "2026-10-05", "2026-12-03"),  # 3 October 2026 is a Saturday
    ("2026-10-14", "2026-11-16", "2027-01-14"),  # 14 November 2026 is a Saturday
    ("2026-06-10", "2026-07-10", "2026-09-10"),
    # No corresponding date: the last day of the next month.
    ("2026-03-31", "2026-04-30", "2026-06-30"),
    ("2028-01-31", "2028-02-29", "2028-05-02"),  # leap year; 30 April a Sunday, 1 May May Day
    ("2026-01-30", "2026-03-02", "2026-04-30"),  # 28 February 2026 is a Saturday
    ("2027-01-31", "2027-03-01", "2027-04-30"),  # 28 February 2027 is a Sunday
    ("2026-08-31", "2026-09-30", "2026-12-01"),  # 30 November 2026: St Andrew's Day (Monday)
    # Scottish bank holidays move the day on.
    ("2026-10-30", "2026-12-01", "2027-02-01"),  # 30 November 2026: St Andrew's Day
    ("2026-11-25", "2026-12-29", "2027-02-25"),  # 25 Dec Fri; 28 Dec Boxing Day (observed)
    ("2026-12-02", "2027-01-05", "2027-03-02"),  # 2 Jan (Sat), 4 Jan observed holiday
    ("2026-07-03", "2026-08-04", "2026-10-05"),  # 3 Aug 2026: Scottish summer bank holiday
    # Received on a weekend or holiday: counted from that day all the same.
    ("2026-12-25", "2027-01-25", "2027-03-25"),
]


@pytest.mark.parametrize(("start", "due", "extended"), DUE)
def test_due_days(start, due, extended):
    starts = date.fromisoformat(start)
    assert deadlines.due_on(starts) == date.fromisoformat(due)
    assert deadlines.due_on(starts, extended=True) == date.fromisoformat(extended)


def test_the_clock_waits_while_identity_is_awaited():
    assert deadlines.due_on(None) is None
    assert deadlines.due_on(None, extended=True) is None


def test_an_extension_is_allowed_only_within_the_first_month():
    start = date(2026, 3, 31)
    assert deadlines.extension_allowed(start, date(2026, 4, 30))
    assert not deadlines.extension_allowed(start, date(2026, 5, 1))
    assert not deadlines.extension_allowed(None, date(2026, 4, 1))


def test_working_days_in_scotland_not_england():
    # 2 January and St Andrew's Day are Scottish bank holidays; Easter Monday is not.
    assert not deadlines.is_working_day(date(2026, 11, 30))
    assert not deadlines.is_working_day(date(2026, 1, 2))
    assert deadlines.is_working_day(date(2026, 4, 6))
    assert not deadlines.is_working_day(date(2026, 4, 3))  # Good Friday
