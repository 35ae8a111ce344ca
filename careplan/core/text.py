"""Text rules every input shares: what may be stored at all, and what a person can read.

Pure functions, no Flask: the marshmallow base schema (`careplan.core.schemas`), the request
screen and the JSON reader (`careplan.core.untrusted`) and the audit record all use them.

Storable text: any Unicode scalar value except
- NUL and the other C0 control characters but TAB, LF and CR, and DEL: PostgreSQL cannot
  store NUL in text at all (manual, "Character Types": the character with code zero cannot
  be stored), and the others are invisible, break logs and CSV, and nobody types them;
- unpaired surrogates (U+D800 to U+DFFF): JSON lets a string escape one ("\\ud800",
  RFC 8259 section 8.2) but no UTF-8 text can hold it (RFC 3629 section 3), so neither
  database nor the JSON encoder can write it back;
- the noncharacters U+FFFE and U+FFFF (Unicode section 23.7), which signal broken text.

Readable text: what is left after Unicode normalisation form NFKC (UAX #15) once characters a
person cannot see are dropped: format characters (general category Cf, e.g. zero-width space
and joiners, bidi marks, the BOM), controls (Cc), separators (Zs, Zl, Zp: every kind of space,
the non-breaking ones included), unassigned and private-use code points (Cn, Co), combining
marks (M*, which count with the letter they sit on: a rough grapheme count, UAX #29), the
other Default_Ignorable_Code_Point characters (UAX #44; e.g. the Hangul fillers, variation
selectors, the combining grapheme joiner) and U+2800 BRAILLE PATTERN BLANK. A minimum length
counts these readable characters, so a reason padded with invisible or blank characters
does not pass for one someone wrote.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but TAB (09), LF (0A) and CR (0D); DEL; surrogates; U+FFFE and U+FFFF.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Every control character, for header values that are stored on one line (User-Agent).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_INVISIBLE_CATEGORIES = frozenset(
    {"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Mc", "Me"}
)
# Default_Ignorable_Code_Point (UAX #44, DerivedCoreProperties.txt) that are not already
# format characters or marks by category, and the blank braille pattern.
_IGNORABLE = frozenset(
    [0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800]  # Hangul fillers (Lo), braille blank (So)
)

UNSTORABLE_MESSAGE = (
    "Remove the control characters or broken characters from this text "
    "(for example NUL, or half of an emoji)."
)


def unstorable(text: str) -> bool:
    """True when `text` holds a character no field may store (module docstring)."""
    return _UNSTORABLE.search(text) is not None


def storable(text: str) -> str:
    """`text` with each unstorable character replaced by U+FFFD REPLACEMENT CHARACTER:
    for text that is recorded whatever it holds (audit details), never refused."""
    return _UNSTORABLE.sub("\ufffd", text)


def readable(text: str) -> str:
    """The characters of `text` a person can read, NFKC-normalised (module docstring)."""
    normalised = unicodedata.normalize("NFKC", text)
    return "".join(
        ch
        for ch in normalised
        if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ord(ch) not in _IGNORABLE
    )


def readable_length(text: str) -> int:
    """How many characters of `text` a person can read (module docstring)."""
    return len(readable(text))


def one_line(value: str | None, limit: int) -> str | None:
    """A header value made safe to store and show on one line: each control character,
    unpaired surrogate or noncharacter replaced by a space (so what was there still shows),
    at most `limit` characters; None when nothing but spaces is left. For values recorded as
    evidence (User-Agent), never refused."""
    if not value:
        return None
    cleaned = _CONTROL.sub(" ", value[:limit])
    return cleaned if cleaned.strip() else None
