"""The 32 Scottish council areas with their GSS codes (S12), as data.

Source: the Scottish Government's Statistical Geography (council areas, 2019 codes, as
used by ALISS's `service_areas` of type "local_authority"); `data/councils.csv`.
A service that covers the whole of Scotland names the country (S92000003) instead.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

SCOTLAND = "S92000003"  # GSS code of the country: a service for all of Scotland


@dataclass(frozen=True, slots=True)
class Council:
    code: str  # GSS code, "S12000049"
    name: str  # "Glasgow City"


@functools.cache
def councils() -> tuple[Council, ...]:
    """All 32, in alphabetical order of name."""
    path = Path(__file__).with_name("data") / "councils.csv"
    with path.open(encoding="utf-8", newline="") as file:
        rows = [Council(row["code"], row["name"]) for row in csv.DictReader(file)]
    return tuple(sorted(rows, key=lambda council: council.name))


@functools.cache
def by_code() -> dict[str, Council]:
    return {council.code: council for council in councils()}


def name_of(code: str) -> str | None:
    """The council's name for a GSS code, "Scotland" for the country, else None."""
    if code == SCOTLAND:
        return "Scotland"
    council = by_code().get(code)
    return council.name if council is not None else None
