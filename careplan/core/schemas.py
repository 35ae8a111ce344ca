"""The one base schema, the rules every field of every input shares, and the field for
names and labels people read (`OneLine`).

`BaseSchema` rejects unknown fields and, for every schema built on it (the API's bodies and
queries, the page forms, each section's content), applies one set of rules, so no field can
forget them:
- no key or string anywhere in the input holds unstorable text (careplan.core.text): NUL,
  other control characters, unpaired surrogates;
- a list of ids or of choices holds each once (`Distinct`);
- no text field holds hidden characters (`VisibleText`): format characters such as the
  bidirectional controls, or control characters other than tab and line breaks;
- a text field's minimum length counts readable characters (`Readable`): every
  `validate.Length` with a minimum on a text field becomes a `Readable`, and a required
  text field must have at least one readable character;
- a whole number fits a signed 64-bit integer (PostgreSQL `bigint`, SQLite INTEGER), so a
  cursor or a count can always be compared with a stored one;
- a date falls between `EARLIEST_DAY` and `LATEST_DAY`, and a date and time, once moved to
  UTC, within the same years (`DayRange`, `MomentRange`), unless the field sets its own
  `DayRange`: nothing at the ends of the calendar, where date arithmetic overflows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from careplan.core.messages import SCHEMA_MESSAGES, plain_messages
from careplan.core.text import UNSTORABLE_MESSAGE, readable_length, unstorable

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2099, 12, 31)
INT64 = (-(2**63), 2**63 - 1)
# Nested deeper than this, input is refused before it is looked at any further.
MAX_INPUT_DEPTH = 32

DayBound = date | Callable[[], date] | None


def _day_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class Readable(validate.Length):
    """A text's length: `min` counts the characters a person can read
    (careplan.core.text.readable: NFKC, without format, control, space and separator
    characters), `max` the characters stored. `min` may be a function giving the number
    when it is needed (a configured minimum, read in the app's context). A subclass of
    `validate.Length`, so the OpenAPI document still publishes both as minLength and
    maxLength."""

    def __init__(  # the names marshmallow's Length uses, which apispec reads
        self,
        min: int | Callable[[], int] | None = None,
        max: int | None = None,
        *,
        too_short: str | None = None,
        error: str | None = None,
    ) -> None:
        self._min = min
        self.max = max
        self.equal = None
        self.too_short = too_short  # "{min}" is replaced by the minimum
        self.error = error  # as validate.Length's: any failure not given its own message
        # The field as said in a message ("their first name"), set as the field joins its
        # schema (careplan.core.messages); None: messages that do not name it.
        self.label: str | None = None

    @property
    def min(self) -> int | None:  # type: ignore[override]
        """The fewest readable characters (a configured one read now, in the app)."""
        return self._min() if callable(self._min) else self._min

    @property
    def sets_minimum(self) -> bool:
        """Whether a minimum is set, without reading a configured one (no app needed)."""
        return bool(self._min)

    def _repr_args(self) -> str:
        return f"min={self.min!r}, max={self.max!r}"

    def __call__(self, value: Any) -> Any:
        """`value` (a str) if it fits; else ValidationError with a message that says how
        long it must be, and that spaces and invisible characters do not count."""
        if self.max is not None and len(value) > self.max:
            if self.error is not None:
                raise ValidationError(self.error.format(min=self.min, max=self.max))
            if self.label:
                said = self.label[:1].upper() + self.label[1:]
                raise ValidationError(f"{said} must be {self.max} characters or fewer")
            raise ValidationError(f"Shorten this to {self.max} characters or fewer.")
        minimum = self.min
        if minimum and readable_length(value) < minimum:
            if self.too_short is not None:
                raise ValidationError(self.too_short.format(min=minimum))
            if self.error is not None:
                raise ValidationError(self.error.format(min=minimum, max=self.max))
            if minimum == 1 and self.label:
                raise ValidationError(
                    f"Enter {self.label}: spaces and invisible characters alone do not count"
                )
            if self.label:
                said = self.label[:1].upper() + self.label[1:]
                raise ValidationError(
                    f"{said} must be at least {minimum} characters (spaces and invisible "
                    "characters do not count)"
                )
            if minimum == 1:
                raise ValidationError(
                    "Enter some text: spaces and invisible characters alone do not count."
                )
            raise ValidationError(
                f"Write at least {minimum} characters (spaces and invisible characters "
                "do not count)."
            )
        return value


# Line breaks and tabs: the only control characters text typed into a form may hold.
TEXT_CONTROLS = frozenset("\t\n\r")


def hidden_characters(text: str) -> bool:
    """Whether `text` holds a character that hides or reorders what is shown: a control
    character (Unicode category Cc) other than tab and line breaks, or a format character
    (Cf: bidirectional controls such as U+202E RIGHT-TO-LEFT OVERRIDE, zero-width spaces
    and joiners, the byte order mark, soft hyphens). Such text shows something other than
    what is stored (Unicode Technical Report #36, "Unicode Security Considerations",
    section 2.4; the "Trojan Source" attack, CVE-2021-42574)."""
    return any(ch not in TEXT_CONTROLS and unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


class VisibleText(validate.Validator):
    """Every text field's rule (`apply_shared_rules`): no hidden or bidirectional control
    characters (`hidden_characters`), refused with a message naming the field; the label
    is given as the field joins its schema (careplan.core.messages.plain_messages)."""

    names_field = True  # careplan.core.messages gives it the field's label

    def __init__(self, label: str | None = None) -> None:
        self.label = label

    def _repr_args(self) -> str:
        return f"label={self.label!r}"

    def __call__(self, value: Any) -> Any:
        """`value` unless it holds hidden characters (ValidationError, naming the field)."""
        if isinstance(value, str) and hidden_characters(value):
            where = f" from {self.label}" if self.label else ""
            raise ValidationError(
                f"Remove the hidden characters{where}: use only letters, numbers, spaces "
                "and punctuation (hidden characters can change how the text shows)"
            )
        return value


class Distinct(validate.Validator):
    """A list that holds each item once: a staff member, a section, a role named twice is
    a mistake, refused with `message` under the list's own name, never stored twice.
    `key` gives what makes an item the same as another (an attendee's `staff_id`); an
    item whose key is None is not compared. Every list of ids or of choices from a fixed
    set has one from the base schema (`apply_shared_rules`); a list of nested records
    that name someone or something sets its own, with its key."""

    def __init__(
        self,
        message: str = "Choose each one once: remove the one chosen twice",
        key: Callable[[Any], Any] | None = None,
    ) -> None:
        self.message = message
        self.key = key

    def _repr_args(self) -> str:
        return f"message={self.message!r}"

    def __call__(self, value: Any) -> Any:
        """`value` if no two items are the same (by `key`), else ValidationError."""
        seen: set[Any] = set()
        for item in value or ():
            found = self.key(item) if self.key is not None else item
            if found is None:
                continue
            if found in seen:
                raise ValidationError(self.message)
            seen.add(found)
        return value


EACH_SECTION_ONCE = "Choose each part of the plan once"


def _bound(bound: DayBound) -> date | None:
    return bound() if callable(bound) else bound


class DayRange(validate.Validator):
    """A date between `earliest` and `latest` (each a date, a function giving one at the
    time of the check, such as careplan.core.clock.today, or None for no bound), with the
    message a person sees when it is not."""

    def __init__(self, earliest: DayBound, latest: DayBound, message: str) -> None:
        self.earliest = earliest
        self.latest = latest
        self.message = message

    # `min` and `max` (evaluated when asked) let the OpenAPI document publish the range
    # (apispec writes them as x-minimum and x-maximum on a date).
    @property
    def min(self) -> date | None:
        """The earliest day allowed, as of now."""
        return _bound(self.earliest)

    @property
    def max(self) -> date | None:
        """The latest day allowed, as of now."""
        return _bound(self.latest)

    def __call__(self, value: date) -> date:
        """`value` if within the range, else ValidationError with the field's message."""
        earliest, latest = _bound(self.earliest), _bound(self.latest)
        if (earliest is not None and value < earliest) or (latest is not None and value > latest):
            raise ValidationError(self.message)
        return value


ANY_DAY = DayRange(
    EARLIEST_DAY,
    LATEST_DAY,
    f"Enter a date between {_day_words(EARLIEST_DAY)} and {_day_words(LATEST_DAY)}.",
)


class MomentRange(validate.Validator):
    """A date and time that, moved to UTC (as every time is stored), falls between the
    years of EARLIEST_DAY and LATEST_DAY: one at the ends of the calendar cannot be moved
    (0001-01-01T00:00+14:00 is before year 1 in UTC)."""

    message = (
        f"Enter a date and time between {_day_words(EARLIEST_DAY)} and "
        f"{_day_words(LATEST_DAY)}, with its offset from UTC (for example Z)."
    )

    def __call__(self, value: datetime) -> datetime:
        """`value` if, in UTC, it falls within the years allowed; else ValidationError."""
        try:
            utc = value.astimezone(UTC) if value.tzinfo is not None else value
        except OverflowError:
            raise ValidationError(self.message) from None
        if not EARLIEST_DAY <= utc.date() <= LATEST_DAY:
            raise ValidationError(self.message)
        return value


WHOLE_NUMBER = validate.Range(
    min=INT64[0], max=INT64[1], error="This number is too large to be used here."
)


def _is_text(field: fields.Field) -> bool:
    return isinstance(field, fields.String) and not isinstance(field, fields.UUID)


def apply_shared_rules(field: fields.Field) -> None:
    """Give `field` (and the fields inside a list, tuple or mapping) the rules every
    input field shares (module docstring). Idempotent; validator lists are replaced, never
    changed in place, as schemas share validator objects."""
    if field.dump_only:
        return
    field.validators = _shared_validators(field, list(field.validators))
    for inner in _inner_fields(field):
        apply_shared_rules(inner)


def _shared_validators(field: fields.Field, validators: list[Any]) -> list[Any]:
    if isinstance(field, fields.List) and _is_choice_of_ids(field.inner):
        present = any(isinstance(v, Distinct) for v in validators)
        return validators if present else [*validators, Distinct()]
    if _is_text(field):
        validators = [_readable(v) for v in validators]
        has_minimum = any(isinstance(v, Readable) and v.sets_minimum for v in validators)
        if field.required and not has_minimum:
            validators.append(Readable(min=1))
        if not any(isinstance(v, VisibleText) for v in validators):
            validators.append(VisibleText())
        return validators
    if isinstance(field, fields.Integer):
        wanted, kind = WHOLE_NUMBER, validate.Range
    elif isinstance(field, fields.Date):  # before DateTime: a Date is a DateTime field
        wanted, kind = ANY_DAY, DayRange
    elif isinstance(field, fields.DateTime):
        wanted, kind = MomentRange(), MomentRange
    else:
        return validators
    if kind is validate.Range:
        present = WHOLE_NUMBER in validators
    else:
        present = any(isinstance(v, kind) for v in validators)
    return validators if present else [*validators, wanted]


def _is_choice_of_ids(field: fields.Field) -> bool:
    """Whether `field` picks one of a set: an id, an enumeration, a text from a list."""
    if isinstance(field, (fields.UUID, fields.Enum)):
        return True
    return isinstance(field, fields.String) and any(
        isinstance(v, validate.OneOf) for v in field.validators
    )


def _readable(validator: Any) -> Any:
    """A `validate.Length` with a minimum, as a `Readable` with the same bounds."""
    plain_length = isinstance(validator, validate.Length) and not isinstance(validator, Readable)
    if plain_length and validator.equal is None and validator.min:
        # The field's own message stays, if it has one.
        return Readable(min=validator.min, max=validator.max, error=validator.error)
    return validator


def _inner_fields(field: fields.Field) -> list[fields.Field]:
    if isinstance(field, fields.List):
        return [field.inner]
    if isinstance(field, fields.Tuple):
        return list(field.tuple_fields)
    if isinstance(field, fields.Mapping):
        return [f for f in (field.key_field, field.value_field) if f is not None]
    return []


def _unstorable_places(value: Any, depth: int = 0) -> Any:
    """marshmallow-shaped messages for each key or string under `value` holding
    unstorable text ({} when there is none)."""
    if depth > MAX_INPUT_DEPTH:
        return ["The input nests too deeply."]
    if isinstance(value, str):
        return [UNSTORABLE_MESSAGE] if unstorable(value) else {}
    items: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(enumerate(value))
    else:
        return {}
    found: dict[Any, Any] = {}
    for key, item in items:
        if isinstance(key, str) and unstorable(key):
            found["_schema"] = [UNSTORABLE_MESSAGE]
            continue
        inner = _unstorable_places(item, depth + 1)
        if inner:
            found[key] = inner
    return found


class BaseSchema(Schema):
    """Unknown fields rejected; the shared rules of the module docstring on every field."""

    class Meta:
        unknown = RAISE
        ordered = True

    error_messages = SCHEMA_MESSAGES

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """marshmallow's hook as each field joins the schema: the shared rules, then
        messages that name the field (careplan.core.messages)."""
        apply_shared_rules(field_obj)
        plain_messages(field_name, field_obj)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        """A value to dump: `obj[attr]` for a plain dict (what the presenters build),
        else marshmallow's own lookup. marshmallow's tries `obj[attr]`, then
        `getattr(obj, attr)` when the key is missing, through three calls a field; a
        dict's missing key is simply missing here, never one of the dict's own methods
        (a field named `items` or `values`)."""
        if type(obj) is dict and "." not in attr:
            return obj.get(attr, default)
        return super().get_attribute(obj, attr, default)

    @pre_load
    def _storable(self, data: Any, **_: Any) -> Any:
        found = _unstorable_places(data)
        if found:
            raise ValidationError(found if isinstance(found, dict) else {"_schema": found})
        return data


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
    files is what a person reads; control characters inside it are refused, and, as in every
    text field, bidirectional controls and other format characters (`VisibleText`: they
    would hide or reorder what is shown)."""

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
        # A line break or other control character has no place in a name. Format
        # characters (bidirectional controls among them) are every text field's rule,
        # refused with a message naming the field (`VisibleText`).
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
            raise self.make_error("invisible")
        return text
