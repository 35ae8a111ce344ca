"""Names as people write them, and searched in SQL the way people type them (issue 17): one
rule for the people search, the duplicate check and the staff search.

A typed word matches a name that holds it, read generously: case ignored, apostrophes,
hyphens and spaces inside names ignored ("O'Neill", "Mac Kenzie"), "Mac" and "Mc" alike,
and a given name's common short or long forms (`VARIANTS`: Kate finds Catherine). The
conditions are SQL expressions with bound parameters (LIKE's wildcards typed are matched as
themselves), the same on SQLite and PostgreSQL, so a search stays one query however many
records there are. Used by the people search and duplicate check (careplan.people) and the
staff search (careplan.accounts.staff_search), which sits below careplan.people.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_

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


# Marks left out of names before comparing: apostrophes (straight and curly), hyphens, spaces.
IGNORED_MARKS = ("'", "\u2019", "-", " ")


def name_variants(term: str) -> list[str]:
    """The ways a typed name may be written (lower case, letters only): itself, "Mac" for
    "Mc" and back, and its common short or long forms. [] for a term with no letters.

    >>> name_variants("McKenzie"), name_variants("O'Neill")
    (['mackenzie', 'mckenzie'], ['oneill'])
    """
    key = name_key(term)
    if not key:
        return []
    found = {key, *VARIANTS.get(key, ())}
    if key.startswith("mac"):
        found.add("mc" + key[3:])
    return sorted(found)


def plain(column: Any) -> Any:
    """A name column in lower case without apostrophes, hyphens or spaces (in SQL)."""
    text = func.lower(column)
    for mark in IGNORED_MARKS:
        text = func.replace(text, mark, "")
    return text


def names_hold(columns: Sequence[Any], term: str) -> Any | None:
    """The SQL condition "one of `columns` holds a way of writing `term`" (name_variants),
    or None when `term` has no letters (it says nothing about a name)."""
    options = name_variants(term)
    if not options:
        return None
    return or_(*(plain(c).contains(v, autoescape=True) for c in columns for v in options))
