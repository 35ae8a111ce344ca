"""Dates as people type them (careplan.core.days.typed_day): day first, in numbers or words."""

from __future__ import annotations

from datetime import date

import pytest

from careplan.core.days import typed_day

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    "text",
    [
        "12/04/1988",
        "12/4/1988",
        "12-4-1988",
        "12.04.1988",
        "12 4 1988",
        "12 / 04 / 1988",
        "12 April 1988",
        "12 april 1988",
        "12th April 1988",
        "12 Apr 1988",
        "April 12 1988",
        "April 12, 1988",
        "1988-04-12",
        "12/04/88",
        "  12/04/1988  ",
    ],
)
def test_the_ways_people_write_a_date(text):
    assert typed_day(text, TODAY) == date(1988, 4, 12)


@pytest.mark.parametrize(
    "text", ["31/02/1990", "12/13/1988", "sarah", "12", "12/04", "1988", "12 Smarch 1988", ""]
)
def test_not_a_date(text):
    assert typed_day(text, TODAY) is None


def test_a_two_digit_year_is_never_in_the_future():
    assert typed_day("01/01/26", TODAY) == date(2026, 1, 1)
    assert typed_day("01/01/27", TODAY) == date(1927, 1, 1)
