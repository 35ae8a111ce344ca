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

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

# Common English and Scots short forms of given names, both ways round once loaded. Not
# exhaustive: a missed variant means the practitioner is not asked, never a refusal.
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "alexander": ("alex", "alec", "sandy", "sandie", "ally", "alasdair", "alistair"),
    "alexandra": ("alex", "sandra", "sandy", "lexie"),
    "andrew": ("andy", "drew", "dand"),
    "catherine": ("cath", "cathy", "kate", "katie", "kathryn", "katherine", "kay"),
    "christopher": ("chris", "kit"),
    "christine": ("chris", "chrissie", "christina", "kirsty", "kirstie"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davie", "davy"),
    "edward": ("ed", "eddie", "ted", "teddy"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "elspeth", "eilidh", "bess", "lisa"),
    "francis": ("frank", "fran"),
    "helen": ("nell", "ellen", "eleanor"),
    "hugh": ("shug", "hughie"),
    "isabel": ("isobel", "bella", "izzy", "ishbel"),
    "james": ("jim", "jimmy", "jamie", "hamish", "jas"),
    "jane": ("jean", "jenny", "janet", "jessie"),
    "john": ("jack", "johnny", "ian", "iain", "sean", "jock"),
    "joseph": ("joe", "joey"),
    "kenneth": ("ken", "kenny"),
    "margaret": ("maggie", "mags", "meg", "peggy", "rita", "mairead", "greta"),
    "mary": ("molly", "polly", "mhairi", "maire", "marie"),
    "michael": ("mike", "mick", "mickey"),
    "patrick": ("pat", "paddy"),
    "rebecca": ("becky", "becca"),
    "richard": ("rich", "rick", "dick"),
    "robert": ("rob", "robbie", "bob", "bobby", "rab", "rabbie", "bert"),
    "samantha": ("sam", "sammy"),
    "samuel": ("sam", "sammy"),
    "sarah": ("sara", "sally", "sadie"),
    "stephen": ("steve", "steven", "stevie"),
    "thomas": ("tom", "tommy", "tam"),
    "william": ("will", "willie", "bill", "billy", "liam", "wull"),
}


def _variants() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for full, shorts in SHORT_FORMS.items():
        group = {full, *shorts}
        for name in group:
            groups.setdefault(name, set()).update(group)
    return {name: frozenset(group) for name, group in groups.items()}


VARIANTS = _variants()


def name_key(name: str | None) -> str:
    """`name` as a comparison key: letters only, accents folded, lower case, "mc" -> "mac".

    >>> name_key("McKenzie"), name_key("Mac Kenzie"), name_key("O'Neill"), name_key("Zoë")
    ('mackenzie', 'mackenzie', 'oneill', 'zoe')
    """
    if not name:
        return ""
    folded = unicodedata.normalize("NFKD", name)
    letters = "".join(ch for ch in folded if ch.isalpha() and not unicodedata.combining(ch))
    key = letters.casefold()
    return "mac" + key[2:] if key.startswith("mc") else key


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
