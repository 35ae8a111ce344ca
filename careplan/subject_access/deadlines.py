"""When a subject access request must be answered (UK GDPR Article 12(3)).

The rule, as the Information Commissioner's Office's guidance on the right of access
("How long do we have to comply?") applies it:

- one calendar month, counted from the day the request is received (whether a working
  day or not) to the corresponding calendar date in the next month: received 3 September,
  due 3 October;
- where the next month has no corresponding date, the last day of that month: received
  31 January, due 28 February (29 in a leap year); received 31 March, due 30 April;
- where that date is a weekend or a bank holiday, the next working day (Scotland's bank
  holidays: the `holidays` package's GB subdivision SCT);
- the clock starts when the controller has what it needs to be sure who is asking: a
  request whose requester's identity is still being confirmed waits, and the month runs
  from the day the proof was received (ICO: "the period for responding begins when you
  receive the additional information"; the Data (Use and Access) Act 2025 wrote the same
  rule into the UK GDPR as Article 12A);
- a complex request may be extended by two further months (three calendar months from
  the start, with the same rules); the person must be told, with the reasons, within the
  first month.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays
from dateutil.relativedelta import relativedelta

ONE_MONTH = 1
EXTENDED_MONTHS = 3  # the month, and the two further months of Art 12(3)


@functools.cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="SCT", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in Scotland."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def months_after(start: date, months: int) -> date:
    """The corresponding calendar date `months` months after `start`, or that month's
    last day where it has none (relativedelta clamps to the month's end), moved on to the
    next working day. 31 January 2027 + 1 month: Sunday 28 February, so Monday 1 March."""
    return next_working_day(start + relativedelta(months=months))


def due_on(starts_on: date | None, *, extended: bool = False) -> date | None:
    """The day the answer is due: one calendar month from `starts_on` (three when
    extended), or None while the clock has not started (identity awaited)."""
    if starts_on is None:
        return None
    return months_after(starts_on, EXTENDED_MONTHS if extended else ONE_MONTH)


def extension_allowed(starts_on: date | None, today: date) -> bool:
    """Whether the deadline may still be extended: the person must be told within the
    first month (Art 12(3)), so only until the one-month due day has passed."""
    first = due_on(starts_on)
    return first is not None and today <= first
