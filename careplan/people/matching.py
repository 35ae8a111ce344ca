"""Whether two sets of details may be the same person: the check before a registration.

Pure functions. A person is registered once (issue #16, fault 14): before a new record
is made, everyone with the same date of birth (or its day and month swapped, the commonest
slip when a date is read out) is compared by name, read the way people write names
differently: letters only, accents folded (NFKD), case ignored, "Mc" read as "Mac", "O'"
as "O", and given names matched by common short forms and by one being the start of the
other (Sam, Samantha). This is deliberately generous: a possible match is not refused, it
asks the practitioner to look the person up, or to say why this is someone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

# The name rules (short forms, "Mc" as "Mac") live with the SQL name search, which the
# staff search below this package shares.
from careplan.core.names import VARIANTS, name_key


def given_names_agree(one: str, other: str) -> bool:
    """Whether two given-name keys may name the same person: equal, a known short form of
    each other, or one the start of the other (at least three letters: "sam", "samantha")."""
    if not one or not other:
        return False
    if one == other or other in VARIANTS.get(one, ()):
        return True
    shorter, longer = sorted((one, other), key=len)
    return len(shorter) >= 3 and longer.startswith(shorter)


def birth_dates(born: date) -> list[date]:
    """The date of birth, and with day and month swapped when that is a date too."""
    dates = [born]
    if born.day <= 12 and born.day != born.month:
        dates.append(born.replace(month=born.day, day=born.month))
    return dates


class Registered(Protocol):
    given_name: str
    family_name: str
    preferred_name: str | None
    date_of_birth: date
    chi: str | None


def may_be_same(details: dict[str, Any], person: Registered) -> bool:
    """Whether new `details` (given_name, family_name, preferred_name, date_of_birth, chi)
    may describe `person`, already registered. Two different CHI numbers are two people;
    otherwise the birth date (or its swap) and the family name must agree, and one of the
    given or preferred names must agree with one of theirs."""
    chi = details.get("chi")
    if chi and person.chi and chi != person.chi:
        return False
    if person.date_of_birth not in birth_dates(details["date_of_birth"]):
        return False
    if name_key(details["family_name"]) != name_key(person.family_name):
        return False
    theirs = [name_key(person.given_name), name_key(person.preferred_name)]
    ours = [name_key(details["given_name"]), name_key(details.get("preferred_name"))]
    return any(given_names_agree(a, b) for a in ours for b in theirs)


def possible_duplicates(details: dict[str, Any], people: Iterable[Registered]) -> list[Any]:
    """Those of `people` (already narrowed to the birth dates of `birth_dates`) that may
    be the person `details` describe."""
    return [p for p in people if may_be_same(details, p)]
