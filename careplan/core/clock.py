"""The one clock. All stored times are naive UTC; tests move time by patching `now`.

Dates without a time (a consent's end, a review, a due date, a date of birth) are days in
Scotland: Europe/London from the IANA time zone database (zoneinfo, PEP 615), GMT in winter
and BST (UTC+1) in summer. `today()` and `day_of()` are the only ways the service turns an
instant into a day, so every date-only rule counts the same day: a consent that ends on
10 July ends at midnight at the end of 10 July in Scotland, not at 00:00 UTC (01:00 BST).
"""

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


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, the API's timestamp format."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
