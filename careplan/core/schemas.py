"""The one base schema: unknown fields are rejected, everywhere; and the field for names
and labels people read."""

from __future__ import annotations

import unicodedata
from typing import Any

from marshmallow import RAISE, Schema, fields

# Characters that reorder or hide the text around them (Unicode bidirectional controls):
# a name holding one shows something other than what it is.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class RefSchema(BaseSchema):
    """Another record named in a response: its id and display name."""

    id = fields.UUID()
    name = fields.Str()


def _edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


class OneLine(fields.String):
    """A name or label people read (an agency's name, a staff member's name, a token's
    label): the spaces and invisible characters around it are removed before any length
    rule is checked, so what is stored, shown, and written into audit records and CSV
    files is what a person reads; control characters and bidirectional controls inside it
    are refused (they would hide or reorder what is shown)."""

    default_error_messages = {  # noqa: RUF012 - marshmallow's own class attribute
        "invisible": "Use only letters, numbers, spaces and punctuation.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        start, end = 0, len(text)
        while start < end and _edge(text[start]):
            start += 1
        while end > start and _edge(text[end - 1]):
            end -= 1
        text = text[start:end]
        if any(unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS for c in text):
            raise self.make_error("invisible")
        return text
