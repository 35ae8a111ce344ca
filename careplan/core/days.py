"""Dates as people type them in the United Kingdom: day first.

`typed_day` reads "12/04/1988", "12-4-1988", "12.04.1988", "12 4 1988", "12 April 1988",
"12 Apr 1988", "April 12 1988" and ISO "1988-04-12" (the API's and the browser's form).
A two-digit year is read as the most recent such year not in the future ("88" is 1988,
"05" is 2005 until 2105). Anything else, or a date that does not exist (31/02/1990), is
None: the caller decides what that means (a search treats the text as a name).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from careplan.core import clock

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMBERS = re.compile(r"^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{2}|\d{4})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{2}|\d{4})$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{2}|\d{4})$")
# A date written in words anywhere in a longer text ("sarah 12 april 1988").
IN_WORDS = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+\.?,?\s+(?:\d{4}|\d{2})\b|"
    r"\b[a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:\d{4}|\d{2})\b",
    re.IGNORECASE,
)


def _year(text: str, today: date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _made(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def typed_day(text: str, today: date | None = None) -> date | None:
    """The date `text` gives, read day first (module docstring); None if it gives none."""
    today = today or clock.today()  # Scotland's day, not the server's
    value = " ".join(text.strip().lower().split())
    if found := _ISO.match(value):
        return _made(int(found[1]), int(found[2]), int(found[3]))
    if found := _NUMBERS.match(value):
        return _made(_year(found[3], today), int(found[2]), int(found[1]))
    if (found := _DAY_MONTH.match(value)) and found[2] in MONTHS:
        return _made(_year(found[3], today), MONTHS[found[2]], int(found[1]))
    if (found := _MONTH_DAY.match(value)) and found[1] in MONTHS:
        return _made(_year(found[3], today), MONTHS[found[1]], int(found[2]))
    return None


PARTS = ("day", "month", "year")

_TIME = re.compile(r"^(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_TIME_RUN = re.compile(r"^(\d{2})(\d{2})$")


def typed_time(text: str) -> str | None:
    """A time of day as people write it ("14:30", "14.30", "1430", "2pm", "2.30 pm",
    "12am" is midnight) as "HH:MM"; None if it is not a time of day."""
    value = " ".join(text.strip().lower().split())
    if found := _TIME_RUN.match(value):
        hour, minute, half = int(found[1]), int(found[2]), None
    elif found := _TIME.match(value):
        hour, minute, half = int(found[1]), int(found[2] or 0), found[3]
        if found[2] is None and half is None:
            return None  # "14" alone: not clearly a time
    else:
        return None
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def from_parts_and_time(day: str, month: str, year: str, time_text: str) -> str:
    """A day in the date input's three boxes and a time typed beside it, as the one value
    a schema's DateTime field reads: "1988-04-12T14:30" when both are real, else what was
    typed joined with "T" (the schema then says it must be a real date and time), or ""
    when everything was left empty."""
    on = from_parts(day, month, year)
    time_text = time_text.strip()
    if not on and not time_text:
        return ""
    at = typed_time(time_text) if time_text else None
    return f"{on}T{at or time_text}"


def from_parts(day: str, month: str, year: str) -> str:
    """A date typed in the date input pattern's three boxes, as the one value a schema's
    Date field reads: ISO 8601 ("1988-04-12") when the three make a real date, else the
    boxes as typed joined with "/" (the schema then says it must be a real date), or ""
    when all three were left empty."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if not (day or month or year):
        return ""
    filled = [box for box in (day, month, year) if box]
    if len(filled) == 1 and (whole := typed_day(filled[0])) is not None:
        # The whole date typed into one box ("12/04/1988", "12 April 1988"): read as typed.
        return whole.isoformat()
    typed = f"{day}/{month}/{year}"
    if len(year) != 4:
        return typed
    found = typed_day(typed)
    return found.isoformat() if found is not None else typed


FIRST_DAY = "Enter the first day as a date, for example 12/04/2026 or 12 April 2026."
LAST_DAY = "Enter the last day as a date, for example 12/04/2026 or 12 April 2026."
IN_ORDER = "The last day must be the same as the first day or after it."


def typed_range(
    first: str | None, last: str | None, names: tuple[str, str] = ("from", "to")
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Two days as people type them (either may be empty) as the instants a search of
    stored times needs: `{names[0]: start of the first day, names[1]: the last instant of
    the last day}`, ISO 8601 UTC with a Z, the days counted in Scotland (Europe/London:
    a day in July starts at 23:00 UTC the day before). Also `{name: [message]}` for a
    day that is not a date, or a last day before the first; then nothing is searched."""
    found: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    days: dict[str, date] = {}
    for name, text, message in ((names[0], first, FIRST_DAY), (names[1], last, LAST_DAY)):
        if not (text or "").strip():
            continue
        day = typed_day(text or "")
        if day is None:
            errors[name] = [message]
        else:
            days[name] = day
    if names[0] in days and names[1] in days and days[names[1]] < days[names[0]]:
        errors[names[1]] = [IN_ORDER]
    if errors:
        return {}, errors
    if names[0] in days:
        found[names[0]] = clock.iso(clock.start_of(days[names[0]])) or ""
    if names[1] in days:
        found[names[1]] = clock.iso(clock.end_of(days[names[1]]) - timedelta(microseconds=1)) or ""
    return found, errors
