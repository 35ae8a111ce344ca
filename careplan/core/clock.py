"""The one clock. All stored times are naive UTC; tests move time by patching `now`.

Dates without a time (a consent's end, a review, a due date, a date of birth) are days in
Scotland: Europe/London from the IANA time zone database (zoneinfo, PEP 615), GMT in winter
and BST (UTC+1) in summer. `today()` and `day_of()` are the only ways the service turns an
instant into a day, so every date-only rule counts the same day: a consent that ends on
10 July ends at midnight at the end of 10 July in Scotland, not at 00:00 UTC (01:00 BST).
"""

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SCOTLAND = ZoneInfo("Europe/London")


def now() -> datetime:
    """This instant, as naive UTC (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def day_of(moment: datetime) -> date:
    """The calendar day in Scotland at `moment` (naive UTC, or aware in any zone)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(SCOTLAND).date()


def local(moment: datetime) -> datetime:
    """`moment` (naive UTC, or aware in any zone) as the wall clock in Scotland shows it,
    aware in Europe/London: what a page shows a person."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(SCOTLAND)


def today() -> date:
    """Today in Scotland (Europe/London), whatever the server's own time zone."""
    return day_of(now())


def start_of(day: date) -> datetime:
    """The instant (naive UTC) a Scottish day begins: 00:00 Europe/London on `day`."""
    local = datetime.combine(day, time.min, tzinfo=SCOTLAND)
    return local.astimezone(UTC).replace(tzinfo=None)


def end_of(day: date) -> datetime:
    """The instant (naive UTC) a Scottish day ends: the start of the next day."""
    return start_of(day + timedelta(days=1))


@functools.lru_cache(maxsize=64)
def summer_time(first_year: int, last_year: int) -> tuple[tuple[datetime, datetime], ...]:
    """The spans of British Summer Time (UTC+1) in years `first_year` to `last_year`, as
    [start, end) pairs of naive UTC instants, read from the time zone database (not a
    rule written here: since 1996 the last Sundays of March and October at 01:00 UTC).
    For judging wall-clock time in a database query, where stored times are UTC text."""
    spans: list[tuple[datetime, datetime]] = []
    start: datetime | None = None
    for year in range(first_year, last_year + 1):
        hour = datetime(year, 1, 1)
        last = datetime(year + 1, 1, 1)
        summer = _offset(hour) > timedelta(0)
        while hour < last:
            # A day at a time, then an hour at a time across the day the offset changes.
            step = hour + timedelta(days=1)
            if (_offset(step) > timedelta(0)) != summer:
                while (_offset(hour) > timedelta(0)) == summer:
                    hour += timedelta(hours=1)
                summer = not summer
                if summer:
                    start = hour
                elif start is not None:
                    spans.append((start, hour))
                    start = None
                continue
            hour = step
    if start is not None:
        spans.append((start, datetime(last_year + 1, 1, 1)))
    return tuple(spans)


def _offset(moment: datetime) -> timedelta:
    return local(moment).utcoffset() or timedelta(0)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, the API's timestamp format."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
