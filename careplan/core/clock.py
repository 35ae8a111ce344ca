"""The one clock. All stored times are naive UTC; tests move time by patching `now`."""

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return now().date()


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, the API's timestamp format."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
