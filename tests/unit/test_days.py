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


def test_a_whole_date_typed_into_one_box_of_the_date_input_is_read():
    from careplan.core.days import from_parts

    assert from_parts("12/04/1988", "", "") == "1988-04-12"
    assert from_parts("", "", "12 April 1988") == "1988-04-12"
    assert from_parts("12", "4", "1988") == "1988-04-12"
    assert from_parts("31", "2", "1990") == "31/2/1990"  # not a real date: the schema says so
    assert from_parts("", "", "") == ""


@pytest.mark.parametrize(
    ("first", "last", "found"),
    [
        # A day in summer starts at 23:00 UTC the day before (BST); in winter at 00:00.
        (
            "12/04/2026",
            "12 April 2026",
            {"from": "2026-04-11T23:00:00.000000Z", "to": "2026-04-12T22:59:59.999999Z"},
        ),
        (
            "1/1/2026",
            "31 Jan 26",
            {"from": "2026-01-01T00:00:00.000000Z", "to": "2026-01-31T23:59:59.999999Z"},
        ),
        ("", "1 December 2026", {"to": "2026-12-01T23:59:59.999999Z"}),
        ("", "", {}),
    ],
)
def test_a_range_of_typed_days_is_scotlands_days(first, last, found):
    from careplan.core.days import typed_range

    assert typed_range(first, last) == (found, {})


def test_a_range_that_is_not_dates_says_which_and_how():
    from careplan.core.days import FIRST_DAY, IN_ORDER, LAST_DAY, typed_range

    assert typed_range("yesterday", "12/04/2026") == ({}, {"from": [FIRST_DAY]})
    assert typed_range("12/04/2026", "31/02/2026") == ({}, {"to": [LAST_DAY]})
    assert typed_range("13/04/2026", "12/04/2026") == ({}, {"to": [IN_ORDER]})


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("14:30", "14:30"),
        ("14.30", "14:30"),
        ("1430", "14:30"),
        ("2pm", "14:00"),
        ("2.30 pm", "14:30"),
        ("2:30PM", "14:30"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("9am", "09:00"),
        ("09:05", "09:05"),
    ],
)
def test_times_as_people_write_them(text, time):
    from careplan.core.days import typed_time

    assert typed_time(text) == time


@pytest.mark.parametrize("text", ["", "14", "25:00", "13pm", "12:60", "noon", "2 30"])
def test_what_is_not_a_time_is_none(text):
    from careplan.core.days import typed_time

    assert typed_time(text) is None


def test_a_day_and_a_time_make_one_value():
    from careplan.core.days import from_parts_and_time

    assert from_parts_and_time("12", "4", "2026", "2.30pm") == "2026-04-12T14:30"
    assert from_parts_and_time("", "", "", "") == ""
    assert from_parts_and_time("12", "4", "2026", "") == "2026-04-12T"  # refused: no time
    assert from_parts_and_time("31", "2", "2026", "10am") == "31/2/2026T10:00"
