"""Dates as people type them in the United Kingdom: day first.

`typed_day` reads "12/04/1988", "12-4-1988", "12.04.1988", "12 4 1988", "12 April 1988",
"12 Apr 1988", "April 12 1988" and ISO "1988-04-12" (the API's and the browser's form).
A two-digit year is read as the most recent such year not in the future ("88" is 1988,
"05" is 2005 until 2105). Anything else, or a date that does not exist (31/02/1990), is
None: the caller decides what that means (a search treats the text as a name).
"""

from __future__ import annotations

import re
from datetime import date

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


def from_parts(day: str, month: str, year: str) -> str:
    """A date typed in the date input pattern's three boxes, as the one value a schema's
    Date field reads: ISO 8601 ("1988-04-12") when the three make a real date, else the
    boxes as typed joined with "/" (the schema then says it must be a real date), or ""
    when all three were left empty."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if not (day or month or year):
        return ""
    typed = f"{day}/{month}/{year}"
    if len(year) != 4:
        return typed
    found = typed_day(typed)
    return found.isoformat() if found is not None else typed
